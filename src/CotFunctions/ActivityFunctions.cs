using CotPipeline.Activities;
using CotPipeline.Constants;
using CotPipeline.Models;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace CotFunctions;

/// <summary>The activities of <see cref="TaskNames.AllActivities"/>, each handed to its CotPipeline class.</summary>
public sealed class ActivityFunctions(
    ScheduleItemsPage scheduleItemsPage,
    GenerateCandidate generateCandidate,
    CommitVersion commitVersion,
    AssignReviewers assignReviewers,
    SendReviewRequests sendReviewRequests,
    CloseAssignments closeAssignments,
    RecoverReviews recoverReviews,
    ReachConsensus reachConsensus,
    RequestAdjudication requestAdjudication,
    FinalizeItem finalizeItem,
    CancelItemsPage cancelItemsPage,
    CloseBatchAssignments closeBatchAssignments,
    ArmDeadline armDeadline,
    RaiseDueDeadlines raiseDueDeadlines)
{
    [Function(TaskNames.ScheduleItemsPage)]
    public Task<ScheduleItemsPageResult> ScheduleItemsPage([ActivityTrigger] ScheduleItemsPageInput input, [DurableClient] DurableTaskClient client) =>
        scheduleItemsPage.RunAsync(input, client);

    [Function(TaskNames.GenerateCandidate)]
    public Task<CandidateResult> GenerateCandidate([ActivityTrigger] GenerateCandidateInput input) => generateCandidate.RunAsync(input);

    [Function(TaskNames.CommitVersion)]
    public Task<CommitVersionResult> CommitVersion([ActivityTrigger] CommitVersionInput input) => commitVersion.RunAsync(input);

    [Function(TaskNames.AssignReviewers)]
    public Task<List<string>> AssignReviewers([ActivityTrigger] AssignReviewersInput input) => assignReviewers.RunAsync(input);

    [Function(TaskNames.SendReviewRequests)]
    public Task<int> SendReviewRequests([ActivityTrigger] SendReviewRequestsInput input) => sendReviewRequests.RunAsync(input);

    [Function(TaskNames.CloseAssignments)]
    public Task CloseAssignments([ActivityTrigger] CloseAssignmentsInput input) => closeAssignments.RunAsync(input);

    [Function(TaskNames.RecoverReviews)]
    public Task<List<string>> RecoverReviews([ActivityTrigger] RecoverReviewsInput input) => recoverReviews.RunAsync(input);

    [Function(TaskNames.ReachConsensus)]
    public Task<ConsensusResult> ReachConsensus([ActivityTrigger] ReachConsensusInput input) => reachConsensus.RunAsync(input);

    [Function(TaskNames.RequestAdjudication)]
    public Task<string?> RequestAdjudication([ActivityTrigger] RequestAdjudicationInput input, [DurableClient] DurableTaskClient client) =>
        requestAdjudication.RunAsync(input, client);

    [Function(TaskNames.FinalizeItem)]
    public Task FinalizeItem([ActivityTrigger] FinalizeItemInput input) => finalizeItem.RunAsync(input);

    [Function(TaskNames.CancelItemsPage)]
    public Task<CancelItemsPageResult> CancelItemsPage([ActivityTrigger] CancelItemsPageInput input, [DurableClient] DurableTaskClient client) =>
        cancelItemsPage.RunAsync(input, client);

    [Function(TaskNames.CloseBatchAssignments)]
    public Task<int> CloseBatchAssignments([ActivityTrigger] CloseBatchAssignmentsInput input) => closeBatchAssignments.RunAsync(input);

    [Function(TaskNames.ArmDeadline)]
    public Task ArmDeadline([ActivityTrigger] ArmDeadlineInput input) => armDeadline.RunAsync(input);

    [Function(TaskNames.RaiseDueDeadlines)]
    public Task<RaiseDueDeadlinesResult> RaiseDueDeadlines([ActivityTrigger] WatchDeadlinesInput input, [DurableClient] DurableTaskClient client) =>
        raiseDueDeadlines.RunAsync(input, client);
}
