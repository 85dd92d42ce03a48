using CotPipeline.Constants;
using CotPipeline.Domain;
using CotPipeline.IntegrationTests.Infrastructure;
using CotPipeline.Models;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;

namespace CotPipeline.Tests.Orchestrations;

/// <summary>
/// The ReviewItem paths on the in-memory Durable Task engine: real replay, real external events and timers,
/// continue-as-new between rounds. Activities are scripted (<see cref="FakeActivities"/>).
/// </summary>
public sealed class ReviewItemEngineTests : IAsyncLifetime
{
    private static readonly LoopSettings Loop = OrchestrationScript.Loop with { ReviewDeadline = TimeSpan.FromMinutes(5) };
    private readonly FakeActivities _activities = new();
    private readonly CancellationTokenSource _stop = new();
    private DurableTaskTestHost _host = null!;
    private Task _watch = Task.CompletedTask;

    public async Task InitializeAsync()
    {
        _host = await InMemoryEngine.StartAsync(_activities.Register);
        _watch = _activities.WatchDeadlinesAsync(_host.Client, _stop.Token);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _watch;
        await _host.DisposeAsync();
        _stop.Dispose();
    }

    private DurableTaskClient Client => _host.Client;

    private async Task<string> StartAsync(LoopSettings? loop = null, LoopState? state = null)
    {
        var id = $"b1:{Guid.NewGuid():N}";
        await Client.ScheduleNewOrchestrationInstanceAsync(TaskNames.ReviewItem,
            new ReviewItemInput("b1", id, loop ?? Loop, state ?? LoopState.Start), new StartOrchestrationOptions(id));
        return id;
    }

    /// <summary>Waits for assignment number <paramref name="call"/> (counting from 1), as a reviewer waits for the e-mail.</summary>
    private async Task<(AssignReviewersInput Input, List<string> Reviewers)> AssignedAsync(int call)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (_activities.Inputs<AssignReviewersInput>(TaskNames.AssignReviewers).Count() < call)
        {
            Assert.True(DateTime.UtcNow < deadline, $"assignment {call} never happened");
            await Task.Delay(20);
        }

        var input = _activities.Inputs<AssignReviewersInput>(TaskNames.AssignReviewers).ElementAt(call - 1);
        var already = _activities.Inputs<AssignReviewersInput>(TaskNames.AssignReviewers).Take(call - 1).Sum(a => a.Count);
        return (input, Enumerable.Range(already + 1, input.Count).Select(i => $"r{i}").ToList());
    }

    private Task ReviewAsync(string instanceId, string reviewer, int round) =>
        Client.RaiseEventAsync(instanceId, EventNames.ReviewSubmitted, new ReviewSubmitted($"a-{reviewer}", reviewer, round));

    private async Task<ItemOutcome> OutcomeAsync(string instanceId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var done = await Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, timeout.Token);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        return done.ReadOutputAs<ItemOutcome>()!;
    }

    [Fact]
    public async Task ReviewItem_AcceptInRound1_Verified()
    {
        var id = await StartAsync();
        var (_, reviewers) = await AssignedAsync(1);
        foreach (var r in reviewers)
        {
            await ReviewAsync(id, r, 1);
        }

        Assert.Equal(new ItemOutcome(ItemState.Verified, 1, 1, "accepted by the reviewers"), await OutcomeAsync(id));
    }

    [Fact]
    public async Task ReviewItem_RegenerateThenAccept_VerifiedInRound2WithCritiquedVersion2()
    {
        _activities.Decide(new ConsensusResult(ConsensusOutcome.Reject, null), new ConsensusResult(ConsensusOutcome.Accept, null));
        var id = await StartAsync();
        foreach (var r in (await AssignedAsync(1)).Reviewers)
        {
            await ReviewAsync(id, r, 1);
        }

        var (round2, reviewers2) = await AssignedAsync(2);
        Assert.Equal((2, 2), (round2.Round, round2.Version));
        foreach (var r in reviewers2)
        {
            await ReviewAsync(id, r, 2);
        }

        Assert.Equal(new ItemOutcome(ItemState.Verified, 2, 2, "accepted by the reviewers"), await OutcomeAsync(id));
        var regen = _activities.Inputs<GenerateCandidateInput>(TaskNames.GenerateCandidate).Last();
        Assert.Equal((2, (int?)1, (int?)1), (regen.Version, regen.ParentVersion, regen.CritiqueRound));
    }

    [Fact]
    public async Task ReviewItem_HumanRewriteThenAccept_AuthorExcludedFromRound2()
    {
        var id = await StartAsync();
        var (_, reviewers) = await AssignedAsync(1);
        _activities.Decide(new ConsensusResult(ConsensusOutcome.Reject, reviewers[0]), new ConsensusResult(ConsensusOutcome.Accept, null));
        foreach (var r in reviewers)
        {
            await ReviewAsync(id, r, 1);
        }

        var (round2, reviewers2) = await AssignedAsync(2);
        Assert.Contains(reviewers[0], round2.Exclude);
        foreach (var r in reviewers2)
        {
            await ReviewAsync(id, r, 2);
        }

        var outcome = await OutcomeAsync(id);
        Assert.Equal(ItemState.Verified, outcome.State);
        var commit = _activities.Inputs<CommitVersionInput>(TaskNames.CommitVersion).Last();
        Assert.Equal((VersionOrigin.ReviewRewrite, reviewers[0]), (commit.Origin, commit.ReviewerId));
    }

    [Fact]
    public async Task ReviewItem_WidelySplit_ThirdReviewerAskedAndCounted()
    {
        _activities.Decide(new ConsensusResult(ConsensusOutcome.NeedsExtraReviewer, null), new ConsensusResult(ConsensusOutcome.Accept, null));
        var id = await StartAsync();
        foreach (var r in (await AssignedAsync(1)).Reviewers)
        {
            await ReviewAsync(id, r, 1);
        }

        var (extra, third) = await AssignedAsync(2);
        Assert.Equal((1, 1), (extra.Round, extra.Count));
        await ReviewAsync(id, third[0], 1);

        Assert.Equal(ItemState.Verified, (await OutcomeAsync(id)).State);
        Assert.Equal(3, _activities.Inputs<ReachConsensusInput>(TaskNames.ReachConsensus).Last().Counted.Count);
    }

    [Fact]
    public async Task ReviewItem_StrikeCap_AdjudicatorExcludes()
    {
        _activities.Decide(new ConsensusResult(ConsensusOutcome.Reject, null));
        var id = await StartAsync(Loop with { StrikeCap = 1 });
        foreach (var r in (await AssignedAsync(1)).Reviewers)
        {
            await ReviewAsync(id, r, 1);
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!_activities.Inputs<RequestAdjudicationInput>(TaskNames.RequestAdjudication).Any())
        {
            Assert.True(DateTime.UtcNow < deadline, "adjudication was never requested");
            await Task.Delay(20);
        }

        await Client.RaiseEventAsync(id, EventNames.AdjudicationSubmitted, new AdjudicationSubmitted("adj", AdjudicationDecision.Exclude));

        var outcome = await OutcomeAsync(id);
        Assert.Equal((ItemState.Excluded, (int?)null), (outcome.State, outcome.FinalVersion));
        Assert.True(_activities.Inputs<FinalizeItemInput>(TaskNames.FinalizeItem).Single().Adjudicated);
    }

    [Fact]
    public async Task ReviewItem_DeadlinePasses_MissingReviewerRemindedThenReplacedAndItemStillVerified()
    {
        var id = await StartAsync(Loop with { ReviewDeadline = TimeSpan.FromSeconds(2), RemindersBeforeReassign = 1, ReminderInterval = TimeSpan.FromSeconds(1) });
        var (_, reviewers) = await AssignedAsync(1);
        await ReviewAsync(id, reviewers[0], 1);

        var (replacement, newcomer) = await AssignedAsync(2);
        Assert.Equal(1, replacement.Count);
        var reminder = Assert.Single(_activities.Inputs<SendReviewRequestsInput>(TaskNames.SendReviewRequests), m => m.Kind == MailKind.Reminder);
        Assert.Equal((reviewers[1], 1), (Assert.Single(reminder.ReviewerIds), reminder.Sequence));
        Assert.Equal([reviewers[1]], _activities.Inputs<CloseAssignmentsInput>(TaskNames.CloseAssignments).Single().ReviewerIds);
        // The late reviewer's event changes nothing now; the replacement's counts.
        await ReviewAsync(id, reviewers[1], 1);
        await ReviewAsync(id, newcomer[0], 1);

        Assert.Equal(ItemState.Verified, (await OutcomeAsync(id)).State);
        Assert.Equal([reviewers[0], newcomer[0]], _activities.Inputs<ReachConsensusInput>(TaskNames.ReachConsensus).Single().Counted);
    }

    [Fact]
    public async Task ReviewItem_ReviewStoredButItsEventLost_CountedAtTheDeadlineWithoutReminder()
    {
        var id = await StartAsync(Loop with { ReviewDeadline = TimeSpan.FromSeconds(2), RemindersBeforeReassign = 1 });
        var (_, reviewers) = await AssignedAsync(1);
        // The second reviewer's review was stored, then the host died before raising it.
        _activities.StoredWithoutEvent[reviewers[1]] = true;
        await ReviewAsync(id, reviewers[0], 1);

        Assert.Equal(ItemState.Verified, (await OutcomeAsync(id)).State);
        Assert.Equal(reviewers, _activities.Inputs<ReachConsensusInput>(TaskNames.ReachConsensus).Single().Counted);
        Assert.DoesNotContain(_activities.Inputs<SendReviewRequestsInput>(TaskNames.SendReviewRequests), m => m.Kind == MailKind.Reminder);
        Assert.Empty(_activities.Inputs<CloseAssignmentsInput>(TaskNames.CloseAssignments));
        Assert.Equal([reviewers[1]], _activities.Inputs<RecoverReviewsInput>(TaskNames.RecoverReviews).Single().ReviewerIds);
    }

    [Fact]
    public async Task ReviewItem_DuplicateStaleAndForeignEvents_Ignored()
    {
        var id = await StartAsync();
        var (_, reviewers) = await AssignedAsync(1);
        await ReviewAsync(id, reviewers[0], 1);
        await ReviewAsync(id, reviewers[0], 1);
        await ReviewAsync(id, reviewers[1], 0);
        await ReviewAsync(id, "intruder", 1);
        await ReviewAsync(id, reviewers[1], 1);

        Assert.Equal(ItemState.Verified, (await OutcomeAsync(id)).State);
        Assert.Equal(reviewers, _activities.Inputs<ReachConsensusInput>(TaskNames.ReachConsensus).Single().Counted);
    }
}
