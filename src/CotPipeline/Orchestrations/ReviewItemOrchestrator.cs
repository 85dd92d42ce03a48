using CotPipeline.Activities;
using CotPipeline.Constants;
using CotPipeline.Domain;
using CotPipeline.Models;
using Microsoft.DurableTask;

namespace CotPipeline.Orchestrations;

/// <summary>
/// The review loop of one QA pair. Each execution makes the next rationale version if one is due, runs one
/// review round and continues as new with the loop state, so an item's history stays small however many
/// rounds it takes. At the strike cap it waits for an adjudicator instead.
/// </summary>
public static class ReviewItemOrchestrator
{
    /// <summary>Storage and LLM hiccups are retried before the item is marked failed.</summary>
    public static readonly TaskOptions Retry = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 5, firstRetryInterval: TimeSpan.FromSeconds(5), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromMinutes(2)));

    /// <summary>
    /// E-mail is retried for about half an hour (8 attempts, 30 s doubling to 10 min, each with the mailer's own retries): an SMTP
    /// server down for minutes delays requests, it does not fail the item.
    /// </summary>
    public static readonly TaskOptions MailRetry = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 8, firstRetryInterval: TimeSpan.FromSeconds(30), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromMinutes(10)));

    public static async Task<ItemOutcome?> RunAsync(TaskOrchestrationContext ctx, ReviewItemInput input)
    {
        var state = input.State;
        try
        {
            if (state.Adjudicating)
            {
                return await AdjudicateAsync(ctx, input);
            }

            if (state.Next != NextVersionKind.None)
            {
                var made = await MakeVersionAsync(ctx, input);
                if (made is null)
                {
                    return await FinishAsync(ctx, input, ItemState.Failed, null,
                        $"no rationale passed the automatic gates after {input.Loop.MaxAutoRegenerations + 1} attempts");
                }

                state = state with { Version = made.Version, AuthorId = made.AuthorId, Next = NextVersionKind.None, CritiqueRound = null, RewriteBy = null };
            }

            return await ReviewRoundAsync(ctx, input with { State = state });
        }
        catch (TaskFailedException e)
        {
            return await FinishAsync(ctx, input, ItemState.Failed, null, $"{e.TaskName} failed: {e.FailureDetails.ErrorMessage}");
        }
    }

    private static async Task<CommitVersionResult?> MakeVersionAsync(TaskOrchestrationContext ctx, ReviewItemInput input)
    {
        var (batchId, itemId, loop, state) = input;
        var version = state.Version + 1;
        int? parent = state.Version == 0 ? null : state.Version;

        if (state.Next == NextVersionKind.HumanRewrite)
        {
            return await ctx.CallActivityAsync<CommitVersionResult>(TaskNames.CommitVersion,
                new CommitVersionInput(batchId, itemId, version, parent, VersionOrigin.ReviewRewrite, Round: state.CritiqueRound, ReviewerId: state.RewriteBy),
                Retry);
        }

        IReadOnlyList<string>? feedback = null;
        // A retried item numbers its attempts after those of the run that failed, so the model is asked again rather than
        // the stored candidates of that run judged again.
        var firstAttempt = state.Retries * (loop.MaxAutoRegenerations + 1);
        for (var attempt = firstAttempt; attempt <= firstAttempt + loop.MaxAutoRegenerations; attempt++)
        {
            var candidates = Enumerable.Range(0, loop.Candidates)
                .Select(k => ctx.CallActivityAsync<CandidateResult>(TaskNames.GenerateCandidate,
                    new GenerateCandidateInput(batchId, itemId, version, k, attempt, parent, state.CritiqueRound, feedback), Retry))
                .ToList();
            var results = await Task.WhenAll(candidates);
            var best = results.Where(r => r.Passed).OrderBy(r => r.Candidate).FirstOrDefault();
            if (best is not null)
            {
                return await ctx.CallActivityAsync<CommitVersionResult>(TaskNames.CommitVersion,
                    new CommitVersionInput(batchId, itemId, version, parent, VersionOrigin.Candidate, CandidatePath: best.Path, Round: state.CritiqueRound),
                    Retry);
            }

            feedback = results.SelectMany(r => r.Problems).Distinct().Take(5).ToList();
        }

        return null;
    }

    /// <summary>
    /// One review round. Its waits end at review deadlines that the batch's deadline watch raises as <see cref="DeadlineReached"/>
    /// events (<see cref="WatchDeadlinesOrchestrator"/>): the round arms the deadline of each wait (a row, written by
    /// <see cref="TaskNames.AssignReviewers"/> when it can, else by <see cref="TaskNames.ArmDeadline"/>) and holds no durable timer.
    /// </summary>
    private static async Task<ItemOutcome?> ReviewRoundAsync(TaskOrchestrationContext ctx, ReviewItemInput input)
    {
        var (batchId, itemId, loop, state) = input;
        var round = state.Round + 1;
        var assigned = new List<string>();
        var received = new List<string>();
        var closed = new List<string>();
        // Per open reviewer: when their review is due and how many reminders they had.
        var due = new Dictionary<string, (DateTime At, int Reminders)>();
        var wanted = loop.ReviewersPerItem;
        var extraAsked = 0;
        // The deadline the round's row holds now, until the watch raises it.
        DateTime? armed = null;

        while (true)
        {
            var open = assigned.Where(a => !received.Contains(a) && !closed.Contains(a)).ToList();
            var need = wanted - received.Count - open.Count;
            if (need > 0)
            {
                var deadline = ctx.CurrentUtcDateTime + loop.ReviewDeadline;
                // With nobody else open, the next wait ends at the new reviewers' deadline: the assignment step arms it.
                var arm = open.Count == 0;
                var added = await AssignAsync(ctx, input, round, need, assigned, deadline, arm);
                if (added.Count > 0)
                {
                    await MailAsync(ctx, new SendReviewRequestsInput(batchId, itemId, round, added, MailKind.Request, 0, deadline));
                    armed = arm ? deadline : armed;
                }

                assigned.AddRange(added);
                open.AddRange(added);
                foreach (var reviewer in added)
                {
                    due[reviewer] = (deadline, 0);
                }
            }

            if (open.Count == 0 && received.Count == 0)
            {
                // Nobody is free: the item shows "awaiting reviewer"; ask again later, with a fresh history.
                await ctx.CreateTimer(ctx.CurrentUtcDateTime + loop.ReviewerRetryInterval, CancellationToken.None);
                ctx.ContinueAsNew(input, preserveUnprocessedEvents: true);
                return null;
            }

            if (open.Count > 0)
            {
                var until = open.Min(a => due[a].At);
                if (armed != until)
                {
                    await ctx.CallActivityAsync(TaskNames.ArmDeadline, new ArmDeadlineInput(batchId, itemId, round, until), Retry);
                    armed = until;
                }

                if (await WaitForReviewsAsync(ctx, round, open, received, until))
                {
                    // The watch raised the armed deadline and removed its row.
                    armed = null;
                    var late = open.Where(a => !received.Contains(a) && due[a].At <= until).ToList();
                    // A review stored whose event never came (its host died between the two) is counted, not reminded.
                    var stored = await ctx.CallActivityAsync<List<string>>(TaskNames.RecoverReviews,
                        new RecoverReviewsInput(batchId, itemId, round, late), Retry);
                    received.AddRange(stored);
                    await RemindOrReassignAsync(ctx, input, round, late.Except(stored).ToList(), due, closed);
                    continue;
                }
            }

            // Every open reviewer has submitted, or nobody else is free and we decide with the reviews we have.
            var decision = await ctx.CallActivityAsync<ConsensusResult>(TaskNames.ReachConsensus,
                new ReachConsensusInput(batchId, itemId, round, received, extraAsked < loop.MaxExtraReviewers, state.Strikes), Retry);
            if (decision.Outcome == ConsensusOutcome.NeedsExtraReviewer)
            {
                extraAsked++;
                wanted = received.Count + 1;
                continue;
            }

            if (decision.Outcome == ConsensusOutcome.Accept)
            {
                return await FinishAsync(ctx, input with { State = state with { Round = round } }, ItemState.Verified, state.Version,
                    "accepted by the reviewers");
            }

            var strikes = state.Strikes + 1;
            var next = strikes >= loop.StrikeCap
                ? state with { Round = round, Strikes = strikes, Next = NextVersionKind.None, Adjudicating = true }
                : state with
                {
                    Round = round,
                    Strikes = strikes,
                    Next = decision.RewriteBy is null ? NextVersionKind.Regenerate : NextVersionKind.HumanRewrite,
                    CritiqueRound = round,
                    RewriteBy = decision.RewriteBy,
                };
            ctx.ContinueAsNew(input with { State = next }, preserveUnprocessedEvents: true);
            return null;
        }
    }

    /// <summary>
    /// The deadline of <paramref name="late"/> passed: each still within the reminder allowance is reminded (same link, new deadline);
    /// the others are reassigned — their links now answer "reassigned" and the caller asks other reviewers in their place.
    /// </summary>
    private static async Task RemindOrReassignAsync(
        TaskOrchestrationContext ctx, ReviewItemInput input, int round, List<string> late, Dictionary<string, (DateTime At, int Reminders)> due, List<string> closed)
    {
        var loop = input.Loop;
        var remind = late.Where(a => due[a].Reminders < loop.RemindersBeforeReassign).ToList();
        var reassign = late.Except(remind).ToList();
        var newDeadline = ctx.CurrentUtcDateTime + loop.EffectiveReminderInterval;
        foreach (var group in remind.GroupBy(a => due[a].Reminders + 1))
        {
            var reviewers = group.ToList();
            await MailAsync(ctx, new SendReviewRequestsInput(input.BatchId, input.ItemId, round, reviewers, MailKind.Reminder, group.Key, newDeadline));
            foreach (var reviewer in reviewers)
            {
                due[reviewer] = (newDeadline, group.Key);
            }
        }

        if (reassign.Count > 0)
        {
            await ctx.CallActivityAsync(TaskNames.CloseAssignments, new CloseAssignmentsInput(input.BatchId, input.ItemId, round, reassign), Retry);
            closed.AddRange(reassign);
        }
    }

    private static async Task<List<string>> AssignAsync(
        TaskOrchestrationContext ctx, ReviewItemInput input, int round, int count, List<string> alreadyAssigned, DateTime deadline, bool arm)
    {
        if (count <= 0)
        {
            return [];
        }

        var exclude = alreadyAssigned.ToList();
        if (input.State.AuthorId is { } author)
        {
            exclude.Add(author);
        }

        return await ctx.CallActivityAsync<List<string>>(TaskNames.AssignReviewers,
            new AssignReviewersInput(input.BatchId, input.ItemId, round, input.State.Version, count, exclude, deadline, alreadyAssigned.Count > 0, arm),
            Retry);
    }

    /// <summary>
    /// Sends e-mails with <see cref="MailRetry"/>. When even that fails the item goes on: the assignments stand (the item's audit
    /// trail shows them without an e-mail), and the reminder at the deadline, with the same link, tries again.
    /// </summary>
    private static async Task MailAsync(TaskOrchestrationContext ctx, SendReviewRequestsInput input)
    {
        try
        {
            await ctx.CallActivityAsync<int>(TaskNames.SendReviewRequests, input, MailRetry);
        }
        catch (TaskFailedException)
        {
            // Not the item's failure: see above.
        }
    }

    /// <summary>
    /// Collects ReviewSubmitted events of this round until every open reviewer submitted; true when the deadline
    /// <paramref name="until"/> came first (the watch raised it). A deadline event of another round, or one armed before this wait
    /// moved the deadline later (a repeat, or a raise that crossed the move), is not this wait's and is passed over.
    /// </summary>
    private static async Task<bool> WaitForReviewsAsync(TaskOrchestrationContext ctx, int round, List<string> open, List<string> received, DateTime until)
    {
        using var waitEnd = new CancellationTokenSource();
        try
        {
            var deadline = DeadlineAsync(ctx, round, until, waitEnd.Token);
            while (open.Any(a => !received.Contains(a)))
            {
                using var eventCts = new CancellationTokenSource();
                var next = ctx.WaitForExternalEvent<ReviewSubmitted>(EventNames.ReviewSubmitted, eventCts.Token);
                if (await Task.WhenAny(next, deadline) == deadline)
                {
                    eventCts.Cancel();
                    return true;
                }

                var e = await next;
                // Events of another round, from a reviewer not (or no longer) assigned, or repeated, change nothing.
                if (e.Round == round && open.Contains(e.ReviewerId) && !received.Contains(e.ReviewerId))
                {
                    received.Add(e.ReviewerId);
                }
            }

            return false;
        }
        finally
        {
            // A deadline wait left open would take the next wait's event.
            waitEnd.Cancel();
        }
    }

    private static async Task DeadlineAsync(TaskOrchestrationContext ctx, int round, DateTime until, CancellationToken waitEnd)
    {
        while (true)
        {
            var e = await ctx.WaitForExternalEvent<DeadlineReached>(EventNames.DeadlineReached, waitEnd);
            if (e.Round == round && e.Due >= until)
            {
                return;
            }
        }
    }

    private static async Task<ItemOutcome?> AdjudicateAsync(TaskOrchestrationContext ctx, ReviewItemInput input)
    {
        var (batchId, itemId, loop, state) = input;
        var deadline = ctx.CurrentUtcDateTime + loop.AdjudicationDeadline;
        var adjudicator = await ctx.CallActivityAsync<string?>(TaskNames.RequestAdjudication,
            new RequestAdjudicationInput(batchId, itemId, state.Version, state.Round, deadline), Retry);
        if (adjudicator is not null)
        {
            await MailAsync(ctx, new SendReviewRequestsInput(
                batchId, itemId, RequestAdjudication.AdjudicationRound, [adjudicator], MailKind.Adjudication, state.AdjudicationRequests, deadline));
        }

        using var timerCts = new CancellationTokenSource();
        using var eventCts = new CancellationTokenSource();
        var timer = ctx.CreateTimer(deadline, timerCts.Token);
        var submitted = ctx.WaitForExternalEvent<AdjudicationSubmitted>(EventNames.AdjudicationSubmitted, eventCts.Token);
        if (await Task.WhenAny(submitted, timer) == timer)
        {
            // Nobody decided in time: ask again (a reminder) and keep waiting, with a fresh history.
            eventCts.Cancel();
            ctx.ContinueAsNew(input with { State = state with { AdjudicationRequests = state.AdjudicationRequests + 1 } }, preserveUnprocessedEvents: true);
            return null;
        }

        timerCts.Cancel();
        var decision = await submitted;
        if (decision.Decision == AdjudicationDecision.Exclude)
        {
            return await FinishAsync(ctx, input, ItemState.Excluded, null, "excluded by the adjudicator", adjudicated: true);
        }

        var final = await ctx.CallActivityAsync<CommitVersionResult>(TaskNames.CommitVersion,
            new CommitVersionInput(batchId, itemId, state.Version + 1, state.Version, VersionOrigin.Adjudication, ReviewerId: decision.AdjudicatorId),
            Retry);
        return await FinishAsync(ctx, input, ItemState.Verified, final.Version, "final text set by the adjudicator", adjudicated: true);
    }

    private static async Task<ItemOutcome> FinishAsync(
        TaskOrchestrationContext ctx, ReviewItemInput input, ItemState outcome, int? finalVersion, string reason, bool adjudicated = false)
    {
        var rounds = input.State.Round;
        await ctx.CallActivityAsync(TaskNames.FinalizeItem,
            new FinalizeItemInput(input.BatchId, input.ItemId, outcome, finalVersion, rounds, reason, adjudicated), Retry);
        return new ItemOutcome(outcome, finalVersion, rounds, reason);
    }
}
