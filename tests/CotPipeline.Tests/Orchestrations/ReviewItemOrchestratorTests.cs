using CotPipeline.Constants;
using CotPipeline.Domain;
using CotPipeline.Models;
using CotPipeline.Orchestrations;
using Microsoft.DurableTask;
using Moq;
using static CotPipeline.Tests.Orchestrations.OrchestrationScript;

namespace CotPipeline.Tests.Orchestrations;

/// <summary>Each path of one ReviewItem execution, against a strict mock context: every step the orchestrator takes is scripted.</summary>
public sealed class ReviewItemOrchestratorTests
{
    private static OrchestrationScript Drafting() => new OrchestrationScript()
        .Activity<GenerateCandidateInput, CandidateResult>(TaskNames.GenerateCandidate, Passing())
        .Activity<CommitVersionInput, CommitVersionResult>(TaskNames.CommitVersion, new CommitVersionResult(1, null))
        .Action<FinalizeItemInput>(TaskNames.FinalizeItem);

    [Fact]
    public async Task RunAsync_AcceptInRound1_DraftsAssignsWaitsAndFinalizesVerified()
    {
        var script = Drafting()
            .Activity<AssignReviewersInput, List<string>>(TaskNames.AssignReviewers, ["r1", "r2"])
            .Activity<ReachConsensusInput, ConsensusResult>(TaskNames.ReachConsensus, new ConsensusResult(ConsensusOutcome.Accept, null))
            .Reviews(new("b1.q1.1.r2", "r2", 1), new("b1.q1.1.r1", "r1", 1));

        var outcome = await ReviewItemOrchestrator.RunAsync(script.Context.Object, Input());

        Assert.Equal(new ItemOutcome(ItemState.Verified, 1, 1, "accepted by the reviewers"), outcome);
        Assert.Equal(
            [TaskNames.GenerateCandidate, TaskNames.CommitVersion, TaskNames.AssignReviewers, TaskNames.SendReviewRequests, TaskNames.ReachConsensus, TaskNames.FinalizeItem],
            script.Names);
        var assign = script.Input<AssignReviewersInput>(TaskNames.AssignReviewers);
        Assert.Equal((1, 1, 2, Now.AddDays(3)), (assign.Round, assign.Version, assign.Count, assign.Deadline));
        var mail = script.Input<SendReviewRequestsInput>(TaskNames.SendReviewRequests);
        Assert.Equal(("b1", "q1", 1, "r1,r2", MailKind.Request, 0, Now.AddDays(3)),
            (mail.BatchId, mail.ItemId, mail.Round, string.Join(',', mail.ReviewerIds), mail.Kind, mail.Sequence, mail.Deadline));
        Assert.Equal(["r2", "r1"], script.Input<ReachConsensusInput>(TaskNames.ReachConsensus).Counted);
        var draft = script.Input<GenerateCandidateInput>(TaskNames.GenerateCandidate);
        Assert.Equal((1, (int?)null, (int?)null), (draft.Version, draft.ParentVersion, draft.CritiqueRound));
    }

    [Fact]
    public async Task RunAsync_RejectedWithoutRewrite_ContinuesAsNewToRegenerateWithCritique()
    {
        var script = Drafting()
            .Activity<AssignReviewersInput, List<string>>(TaskNames.AssignReviewers, ["r1", "r2"])
            .Activity<ReachConsensusInput, ConsensusResult>(TaskNames.ReachConsensus, new ConsensusResult(ConsensusOutcome.Reject, null))
            .Reviews(new("a1", "r1", 1), new("a2", "r2", 1))
            .ExpectContinueAsNew();

        var outcome = await ReviewItemOrchestrator.RunAsync(script.Context.Object, Input());

        Assert.Null(outcome);
        var next = Assert.IsType<ReviewItemInput>(script.ContinuedWith);
        Assert.Equal(new LoopState(1, 1, 1, NextVersionKind.Regenerate, CritiqueRound: 1), next.State);
        Assert.DoesNotContain(TaskNames.FinalizeItem, script.Names);
    }

    [Fact]
    public async Task RunAsync_RegenerateThenAccept_DraftsV2FromTheCritiqueAndVerifiesIt()
    {
        var script = new OrchestrationScript()
            .Activity<GenerateCandidateInput, CandidateResult>(TaskNames.GenerateCandidate, Passing())
            .Activity<CommitVersionInput, CommitVersionResult>(TaskNames.CommitVersion, new CommitVersionResult(2, null))
            .Activity<AssignReviewersInput, List<string>>(TaskNames.AssignReviewers, ["r3", "r4"])
            .Activity<ReachConsensusInput, ConsensusResult>(TaskNames.ReachConsensus, new ConsensusResult(ConsensusOutcome.Accept, null))
            .Action<FinalizeItemInput>(TaskNames.FinalizeItem)
            .Reviews(new("a3", "r3", 2), new("a4", "r4", 2));

        var outcome = await ReviewItemOrchestrator.RunAsync(script.Context.Object,
            Input(new LoopState(1, 1, 1, NextVersionKind.Regenerate, CritiqueRound: 1)));

        Assert.Equal(new ItemOutcome(ItemState.Verified, 2, 2, "accepted by the reviewers"), outcome);
        var regen = script.Input<GenerateCandidateInput>(TaskNames.GenerateCandidate);
        Assert.Equal((2, (int?)1, (int?)1), (regen.Version, regen.ParentVersion, regen.CritiqueRound));
        Assert.Equal(2, script.Input<AssignReviewersInput>(TaskNames.AssignReviewers).Round);
    }

    [Fact]
    public async Task RunAsync_HumanRewriteThenAccept_CommitsTheRewriteAndNeverAsksItsAuthor()
    {
        var script = new OrchestrationScript()
            .Activity<CommitVersionInput, CommitVersionResult>(TaskNames.CommitVersion, new CommitVersionResult(2, "r1"))
            .Activity<AssignReviewersInput, List<string>>(TaskNames.AssignReviewers, ["r2", "r3"])
            .Activity<ReachConsensusInput, ConsensusResult>(TaskNames.ReachConsensus, new ConsensusResult(ConsensusOutcome.Accept, null))
            .Action<FinalizeItemInput>(TaskNames.FinalizeItem)
            .Reviews(new("a2", "r2", 2), new("a3", "r3", 2));

        var outcome = await ReviewItemOrchestrator.RunAsync(script.Context.Object,
            Input(new LoopState(1, 1, 1, NextVersionKind.HumanRewrite, CritiqueRound: 1, RewriteBy: "r1")));

        Assert.Equal(ItemState.Verified, outcome!.State);
        Assert.Equal(2, outcome.FinalVersion);
        var commit = script.Input<CommitVersionInput>(TaskNames.CommitVersion);
        Assert.Equal((VersionOrigin.ReviewRewrite, 2, (int?)1, "r1", (int?)1), (commit.Origin, commit.Version, commit.ParentVersion, commit.ReviewerId, commit.Round));
        Assert.Contains("r1", script.Input<AssignReviewersInput>(TaskNames.AssignReviewers).Exclude);
        Assert.DoesNotContain(TaskNames.GenerateCandidate, script.Names);
    }

    [Fact]
    public async Task RunAsync_RejectedWithRewrite_ContinuesAsNewToCommitTheRewrite()
    {
        var script = Drafting()
            .Activity<AssignReviewersInput, List<string>>(TaskNames.AssignReviewers, ["r1", "r2"])
            .Activity<ReachConsensusInput, ConsensusResult>(TaskNames.ReachConsensus, new ConsensusResult(ConsensusOutcome.Reject, "r2"))
            .Reviews(new("a1", "r1", 1), new("a2", "r2", 1))
            .ExpectContinueAsNew();

        await ReviewItemOrchestrator.RunAsync(script.Context.Object, Input());

        var next = Assert.IsType<ReviewItemInput>(script.ContinuedWith);
        Assert.Equal(new LoopState(1, 1, 1, NextVersionKind.HumanRewrite, CritiqueRound: 1, RewriteBy: "r2"), next.State);
    }

    [Fact]
    public async Task RunAsync_WidelySplitReviewers_AsksOneMoreReviewerThenDecides()
    {
        var script = Drafting()
            .Activity<AssignReviewersInput, List<string>>(TaskNames.AssignReviewers, ["r1", "r2"], ["r3"])
            .Activity<ReachConsensusInput, ConsensusResult>(TaskNames.ReachConsensus,
                new ConsensusResult(ConsensusOutcome.NeedsExtraReviewer, null), new ConsensusResult(ConsensusOutcome.Accept, null))
            .Reviews(new("a1", "r1", 1), new("a2", "r2", 1), new("a3", "r3", 1));

        var outcome = await ReviewItemOrchestrator.RunAsync(script.Context.Object, Input());

        Assert.Equal(ItemState.Verified, outcome!.State);
        var extra = script.Input<AssignReviewersInput>(TaskNames.AssignReviewers, 1);
        Assert.Equal((1, 1), (extra.Round, extra.Count));
        Assert.Equal(["r1", "r2"], extra.Exclude);
        var first = script.Input<ReachConsensusInput>(TaskNames.ReachConsensus, 0);
        var second = script.Input<ReachConsensusInput>(TaskNames.ReachConsensus, 1);
        Assert.True(first.MayAskExtraReviewer);
        Assert.False(second.MayAskExtraReviewer);
        Assert.Equal(["r1", "r2", "r3"], second.Counted);
    }

    [Fact]
    public async Task RunAsync_StrikeCapReached_ContinuesAsNewIntoAdjudication()
    {
        var script = new OrchestrationScript()
            .Activity<AssignReviewersInput, List<string>>(TaskNames.AssignReviewers, ["r1", "r2"])
            .Activity<ReachConsensusInput, ConsensusResult>(TaskNames.ReachConsensus, new ConsensusResult(ConsensusOutcome.Reject, "r1"))
            .Reviews(new("a1", "r1", 3), new("a2", "r2", 3))
            .ExpectContinueAsNew();

        await ReviewItemOrchestrator.RunAsync(script.Context.Object, Input(new LoopState(2, 3, 2, NextVersionKind.None)));

        var next = Assert.IsType<ReviewItemInput>(script.ContinuedWith);
        Assert.Equal(new LoopState(3, 3, 3, NextVersionKind.None, Adjudicating: true), next.State);
    }

    [Fact]
    public async Task RunAsync_AdjudicatorAccepts_CommitsFinalTextAndVerifies()
    {
        var script = new OrchestrationScript()
            .Activity<RequestAdjudicationInput, string?>(TaskNames.RequestAdjudication, "adj1")
            .Activity<CommitVersionInput, CommitVersionResult>(TaskNames.CommitVersion, new CommitVersionResult(4, "adj"))
            .Action<FinalizeItemInput>(TaskNames.FinalizeItem)
            .Adjudication(new AdjudicationSubmitted("adj", AdjudicationDecision.Accept));

        var outcome = await ReviewItemOrchestrator.RunAsync(script.Context.Object, Input(new LoopState(3, 3, 3, NextVersionKind.None, Adjudicating: true)));

        Assert.Equal(new ItemOutcome(ItemState.Verified, 4, 3, "final text set by the adjudicator"), outcome);
        Assert.Equal(VersionOrigin.Adjudication, script.Input<CommitVersionInput>(TaskNames.CommitVersion).Origin);
        Assert.True(script.Input<FinalizeItemInput>(TaskNames.FinalizeItem).Adjudicated);
        Assert.Equal(Now.AddDays(7), script.Input<RequestAdjudicationInput>(TaskNames.RequestAdjudication).Deadline);
        var mail = script.Input<SendReviewRequestsInput>(TaskNames.SendReviewRequests);
        Assert.Equal((0, "adj1", MailKind.Adjudication, 0, Now.AddDays(7)),
            (mail.Round, string.Join(',', mail.ReviewerIds), mail.Kind, mail.Sequence, mail.Deadline));
    }

    [Fact]
    public async Task RunAsync_NoAdjudicatorRegistered_WaitsWithoutSendingMail()
    {
        var script = new OrchestrationScript()
            .Activity<RequestAdjudicationInput, string?>(TaskNames.RequestAdjudication, (string?)null)
            .Action<FinalizeItemInput>(TaskNames.FinalizeItem)
            .Adjudication(new AdjudicationSubmitted("operator", AdjudicationDecision.Exclude));

        await ReviewItemOrchestrator.RunAsync(script.Context.Object, Input(new LoopState(3, 3, 3, NextVersionKind.None, Adjudicating: true)));

        Assert.DoesNotContain(TaskNames.SendReviewRequests, script.Names);
    }

    [Fact]
    public async Task RunAsync_AdjudicatorExcludes_FinalizesExcludedWithoutANewVersion()
    {
        var script = new OrchestrationScript()
            .Activity<RequestAdjudicationInput, string?>(TaskNames.RequestAdjudication, "adj1")
            .Action<FinalizeItemInput>(TaskNames.FinalizeItem)
            .Adjudication(new AdjudicationSubmitted("adj", AdjudicationDecision.Exclude));

        var outcome = await ReviewItemOrchestrator.RunAsync(script.Context.Object, Input(new LoopState(3, 3, 3, NextVersionKind.None, Adjudicating: true)));

        Assert.Equal(ItemState.Excluded, outcome!.State);
        Assert.Null(outcome.FinalVersion);
        Assert.DoesNotContain(TaskNames.CommitVersion, script.Names);
    }

    [Fact]
    public async Task RunAsync_AdjudicationDeadlinePasses_AsksAgainWithAFreshHistory()
    {
        var script = new OrchestrationScript()
            .Activity<RequestAdjudicationInput, string?>(TaskNames.RequestAdjudication, "adj1")
            .TimerFires()
            .ExpectContinueAsNew();
        script.Context.Setup(c => c.WaitForExternalEvent<AdjudicationSubmitted>(EventNames.AdjudicationSubmitted, It.IsAny<CancellationToken>()))
            .Returns(new TaskCompletionSource<AdjudicationSubmitted>().Task);
        var input = Input(new LoopState(3, 3, 3, NextVersionKind.None, Adjudicating: true));

        var outcome = await ReviewItemOrchestrator.RunAsync(script.Context.Object, input);

        Assert.Null(outcome);
        Assert.Equal(input with { State = input.State with { AdjudicationRequests = 1 } }, script.ContinuedWith);
    }

    [Fact]
    public async Task RunAsync_RepeatedAdjudicationRequest_MailNumberedSoItIsSentAgain()
    {
        var script = new OrchestrationScript()
            .Activity<RequestAdjudicationInput, string?>(TaskNames.RequestAdjudication, "adj1")
            .Action<FinalizeItemInput>(TaskNames.FinalizeItem)
            .Adjudication(new AdjudicationSubmitted("adj1", AdjudicationDecision.Exclude));

        await ReviewItemOrchestrator.RunAsync(script.Context.Object,
            Input(new LoopState(3, 3, 3, NextVersionKind.None, Adjudicating: true, AdjudicationRequests: 2)));

        var mail = script.Input<SendReviewRequestsInput>(TaskNames.SendReviewRequests);
        Assert.Equal((MailKind.Adjudication, 2), (mail.Kind, mail.Sequence));
    }

    [Fact]
    public async Task RunAsync_ReviewDeadlinePasses_RemindsThenReassignsAndAsksSomeoneElse()
    {
        var script = Drafting()
            .Activity<AssignReviewersInput, List<string>>(TaskNames.AssignReviewers, ["r1", "r2"], ["r3"])
            .Activity<RecoverReviewsInput, List<string>>(TaskNames.RecoverReviews, new List<string>())
            .Action<CloseAssignmentsInput>(TaskNames.CloseAssignments)
            .Activity<ReachConsensusInput, ConsensusResult>(TaskNames.ReachConsensus, new ConsensusResult(ConsensusOutcome.Accept, null));
        // r1 answers in time; the deadline passes (r2 is reminded), the reminder's deadline passes (r2's review goes to r3); r3 answers.
        script.Context.SetupSequence(c => c.WaitForExternalEvent<ReviewSubmitted>(EventNames.ReviewSubmitted, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new ReviewSubmitted("a1", "r1", 1))
            .Returns(new TaskCompletionSource<ReviewSubmitted>().Task)
            .Returns(new TaskCompletionSource<ReviewSubmitted>().Task)
            .ReturnsAsync(new ReviewSubmitted("a3", "r3", 1));
        script.DeadlinePasses().DeadlinePasses();
        var loop = Loop with { RemindersBeforeReassign = 1, ReminderInterval = TimeSpan.FromDays(1) };

        var outcome = await ReviewItemOrchestrator.RunAsync(script.Context.Object, Input() with { Loop = loop });

        Assert.Equal(ItemState.Verified, outcome!.State);
        var mails = script.Calls.Where(c => c.Name == TaskNames.SendReviewRequests).Select(c => (SendReviewRequestsInput)c.Input!).ToList();
        Assert.Equal(
            [(MailKind.Request, 0, "r1,r2", Now.AddDays(3)), (MailKind.Reminder, 1, "r2", Now.AddDays(1)), (MailKind.Request, 0, "r3", Now.AddDays(3))],
            mails.Select(m => (m.Kind, m.Sequence, string.Join(',', m.ReviewerIds), m.Deadline)));
        Assert.Equal(["r2"], script.Input<CloseAssignmentsInput>(TaskNames.CloseAssignments).ReviewerIds);
        var replacement = script.Input<AssignReviewersInput>(TaskNames.AssignReviewers, 1);
        Assert.Equal(1, replacement.Count);
        Assert.Equal(["r1", "r2"], replacement.Exclude);
        Assert.Equal(["r1", "r3"], script.Input<ReachConsensusInput>(TaskNames.ReachConsensus).Counted);
        // Assigning with nobody else open arms the deadline; the reminder's new deadline is armed on its own.
        Assert.Equal([true, true], script.Calls.Where(c => c.Name == TaskNames.AssignReviewers).Select(c => ((AssignReviewersInput)c.Input!).ArmDeadline));
        Assert.Equal([(1, Now.AddDays(1))], script.Calls.Where(c => c.Name == TaskNames.ArmDeadline).Select(c => ((ArmDeadlineInput)c.Input!)).Select(a => (a.Round, a.Due)));
    }

    [Fact]
    public async Task RunAsync_DeadlineOfAnotherRoundOrAnEarlierWait_IsPassedOver()
    {
        var script = Drafting()
            .Activity<AssignReviewersInput, List<string>>(TaskNames.AssignReviewers, ["r1", "r2"])
            .Activity<ReachConsensusInput, ConsensusResult>(TaskNames.ReachConsensus, new ConsensusResult(ConsensusOutcome.Accept, null));
        // Round 0's deadline and one due before this wait's arrive first; then both reviews.
        var deadlines = new Queue<DeadlineReached>([new(0, DateTime.MaxValue), new(1, Now.AddDays(1))]);
        script.Context.Setup(c => c.WaitForExternalEvent<DeadlineReached>(EventNames.DeadlineReached, It.IsAny<CancellationToken>()))
            .Returns(() => deadlines.Count > 0 ? Task.FromResult(deadlines.Dequeue()) : new TaskCompletionSource<DeadlineReached>().Task);
        script.Context.SetupSequence(c => c.WaitForExternalEvent<ReviewSubmitted>(EventNames.ReviewSubmitted, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new ReviewSubmitted("a1", "r1", 1))
            .ReturnsAsync(new ReviewSubmitted("a2", "r2", 1));

        var outcome = await ReviewItemOrchestrator.RunAsync(script.Context.Object, Input());

        Assert.Equal(ItemState.Verified, outcome!.State);
        Assert.DoesNotContain(script.Calls, c => c.Name is TaskNames.RecoverReviews or TaskNames.ArmDeadline);
        Assert.Empty(deadlines);
    }

    [Fact]
    public async Task RunAsync_DeadlinePassesButTheLateReviewWasStored_CountsItWithoutReminderOrReassignment()
    {
        // r2's review was stored but its event never came (the host died between the two): the deadline finds it.
        var script = Drafting()
            .Activity<AssignReviewersInput, List<string>>(TaskNames.AssignReviewers, ["r1", "r2"])
            .Activity<RecoverReviewsInput, List<string>>(TaskNames.RecoverReviews, new List<string> { "r2" })
            .Activity<ReachConsensusInput, ConsensusResult>(TaskNames.ReachConsensus, new ConsensusResult(ConsensusOutcome.Accept, null))
            .Reviews(new ReviewSubmitted("a1", "r1", 1))
            .DeadlinePasses();

        var outcome = await ReviewItemOrchestrator.RunAsync(script.Context.Object, Input() with { Loop = Loop with { RemindersBeforeReassign = 1 } });

        Assert.Equal(ItemState.Verified, outcome!.State);
        var recover = script.Input<RecoverReviewsInput>(TaskNames.RecoverReviews);
        Assert.Equal((1, "r2"), (recover.Round, string.Join(",", recover.ReviewerIds)));
        Assert.DoesNotContain(script.Calls, c => c.Input is SendReviewRequestsInput { Kind: MailKind.Reminder });
        Assert.DoesNotContain(script.Calls, c => c.Name == TaskNames.CloseAssignments);
        Assert.Equal(["r1", "r2"], script.Input<ReachConsensusInput>(TaskNames.ReachConsensus).Counted);
    }

    [Fact]
    public async Task RunAsync_MailCannotBeSentEvenAfterRetries_ItemGoesOnAndIsVerified()
    {
        var script = Drafting()
            .Activity<AssignReviewersInput, List<string>>(TaskNames.AssignReviewers, ["r1", "r2"])
            .Activity<ReachConsensusInput, ConsensusResult>(TaskNames.ReachConsensus, new ConsensusResult(ConsensusOutcome.Accept, null))
            .Reviews(new("a1", "r1", 1), new("a2", "r2", 1));
        script.Context.Setup(c => c.CallActivityAsync<int>(It.Is<TaskName>(n => n.Name == TaskNames.SendReviewRequests), It.IsAny<SendReviewRequestsInput>(), It.IsAny<TaskOptions>()))
            .ThrowsAsync(new TaskFailedException(TaskNames.SendReviewRequests, 7,
                new TaskFailureDetails("MailDeliveryException", "SMTP server localhost:2525 unreachable", null, null, null)));

        var outcome = await ReviewItemOrchestrator.RunAsync(script.Context.Object, Input());

        Assert.Equal(ItemState.Verified, outcome!.State);
    }

    [Fact]
    public async Task RunAsync_NoRemindersConfigured_DeadlineReassignsAtOnce()
    {
        var script = Drafting()
            .Activity<AssignReviewersInput, List<string>>(TaskNames.AssignReviewers, ["r1", "r2"], ["r3"])
            .Activity<RecoverReviewsInput, List<string>>(TaskNames.RecoverReviews, new List<string>())
            .Action<CloseAssignmentsInput>(TaskNames.CloseAssignments)
            .Activity<ReachConsensusInput, ConsensusResult>(TaskNames.ReachConsensus, new ConsensusResult(ConsensusOutcome.Accept, null));
        script.Context.SetupSequence(c => c.WaitForExternalEvent<ReviewSubmitted>(EventNames.ReviewSubmitted, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new ReviewSubmitted("a1", "r1", 1))
            .Returns(new TaskCompletionSource<ReviewSubmitted>().Task)
            .ReturnsAsync(new ReviewSubmitted("a3", "r3", 1));
        script.DeadlinePasses();

        var outcome = await ReviewItemOrchestrator.RunAsync(script.Context.Object, Input() with { Loop = Loop with { RemindersBeforeReassign = 0 } });

        Assert.Equal(ItemState.Verified, outcome!.State);
        Assert.DoesNotContain(script.Calls, c => c.Input is SendReviewRequestsInput { Kind: MailKind.Reminder });
        Assert.Equal(["r2"], script.Input<CloseAssignmentsInput>(TaskNames.CloseAssignments).ReviewerIds);
    }

    [Fact]
    public async Task RunAsync_StaleForeignAndRepeatedEvents_AreIgnored()
    {
        var script = Drafting()
            .Activity<AssignReviewersInput, List<string>>(TaskNames.AssignReviewers, ["r1", "r2"])
            .Activity<ReachConsensusInput, ConsensusResult>(TaskNames.ReachConsensus, new ConsensusResult(ConsensusOutcome.Accept, null))
            .Reviews(
                new("old", "r1", 0),
                new("x", "intruder", 1),
                new("a1", "r1", 1),
                new("a1", "r1", 1),
                new("a2", "r2", 1));

        await ReviewItemOrchestrator.RunAsync(script.Context.Object, Input());

        Assert.Equal(["r1", "r2"], script.Input<ReachConsensusInput>(TaskNames.ReachConsensus).Counted);
    }

    [Fact]
    public async Task RunAsync_NoCandidatePassesTheGates_RetriesWithFeedbackThenFails()
    {
        var script = new OrchestrationScript()
            .Activity<GenerateCandidateInput, CandidateResult>(TaskNames.GenerateCandidate, Failing("the final answer is \"A\" but the key is \"C\""))
            .Action<FinalizeItemInput>(TaskNames.FinalizeItem);

        var outcome = await ReviewItemOrchestrator.RunAsync(script.Context.Object, Input());

        Assert.Equal(ItemState.Failed, outcome!.State);
        Assert.Equal("no rationale passed the automatic gates after 2 attempts", outcome.Reason);
        var second = script.Input<GenerateCandidateInput>(TaskNames.GenerateCandidate, 1);
        Assert.Equal(1, second.Attempt);
        Assert.Equal(["the final answer is \"A\" but the key is \"C\""], second.GateFeedback);
    }

    [Fact]
    public async Task RunAsync_RetriedItem_NumbersItsAttemptsAfterTheFailedRun()
    {
        var script = new OrchestrationScript()
            .Activity<GenerateCandidateInput, CandidateResult>(TaskNames.GenerateCandidate, Failing("the rationale has 1 steps"))
            .Action<FinalizeItemInput>(TaskNames.FinalizeItem);

        await ReviewItemOrchestrator.RunAsync(script.Context.Object, Input(LoopState.Start with { Retries = 1 }));

        Assert.Equal([2, 3], script.Calls.Where(c => c.Name == TaskNames.GenerateCandidate).Select(c => ((GenerateCandidateInput)c.Input!).Attempt));
    }

    [Fact]
    public async Task RunAsync_KCandidates_DraftsInParallelAndKeepsTheFirstPassing()
    {
        var script = new OrchestrationScript()
            .Activity<GenerateCandidateInput, CandidateResult>(TaskNames.GenerateCandidate, Passing(2))
            .Activity<CommitVersionInput, CommitVersionResult>(TaskNames.CommitVersion, new CommitVersionResult(1, null))
            .Activity<AssignReviewersInput, List<string>>(TaskNames.AssignReviewers, ["r1", "r2"])
            .Activity<ReachConsensusInput, ConsensusResult>(TaskNames.ReachConsensus, new ConsensusResult(ConsensusOutcome.Accept, null))
            .Action<FinalizeItemInput>(TaskNames.FinalizeItem)
            .Reviews(new("a1", "r1", 1), new("a2", "r2", 1));

        await ReviewItemOrchestrator.RunAsync(script.Context.Object, Input() with { Loop = Loop with { Candidates = 3 } });

        Assert.Equal([0, 1, 2], script.Calls.Where(c => c.Name == TaskNames.GenerateCandidate).Select(c => ((GenerateCandidateInput)c.Input!).Candidate));
        Assert.Equal("cand-2", script.Input<CommitVersionInput>(TaskNames.CommitVersion).CandidatePath);
    }

    [Fact]
    public async Task RunAsync_NoReviewerFree_WaitsAndContinuesAsNewUnchanged()
    {
        var script = Drafting()
            .Activity<AssignReviewersInput, List<string>>(TaskNames.AssignReviewers, new List<string>())
            .TimerFires()
            .ExpectContinueAsNew();

        var outcome = await ReviewItemOrchestrator.RunAsync(script.Context.Object, Input());

        Assert.Null(outcome);
        var next = Assert.IsType<ReviewItemInput>(script.ContinuedWith);
        Assert.Equal(new LoopState(0, 1, 0, NextVersionKind.None), next.State);
    }
}
