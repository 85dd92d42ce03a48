using CotPipeline.Activities;
using CotPipeline.Constants;
using CotPipeline.Models;
using CotPipeline.Orchestrations;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace CotPipeline;

/// <summary>
/// The one list of orchestrators and activities, registered by the local host and by the tests; the Functions app
/// declares the same names (a test compares its generated metadata with <see cref="TaskNames"/>).
/// </summary>
public static class CotTasks
{
    public static DurableTaskRegistry AddCotTasks(this DurableTaskRegistry registry)
    {
        registry.AddOrchestratorFunc<ReviewItemInput, ItemOutcome?>(TaskNames.ReviewItem, ReviewItemOrchestrator.RunAsync);
        registry.AddOrchestratorFunc<StartBatchInput, int>(TaskNames.StartBatch, StartBatchOrchestrator.RunAsync);
        registry.AddOrchestratorFunc<CancelBatchInput, int>(TaskNames.CancelBatch, CancelBatchOrchestrator.RunAsync);
        registry.AddOrchestratorFunc<WatchDeadlinesInput, int>(TaskNames.WatchDeadlines, WatchDeadlinesOrchestrator.RunAsync);

        Add<ScheduleItemsPage, ScheduleItemsPageInput, ScheduleItemsPageResult>(registry, TaskNames.ScheduleItemsPage,
            (a, sp, input) => a.RunAsync(input, sp.GetRequiredService<DurableTaskClient>()));
        Add<GenerateCandidate, GenerateCandidateInput, CandidateResult>(registry, TaskNames.GenerateCandidate, (a, _, input) => a.RunAsync(input));
        Add<CommitVersion, CommitVersionInput, CommitVersionResult>(registry, TaskNames.CommitVersion, (a, _, input) => a.RunAsync(input));
        Add<AssignReviewers, AssignReviewersInput, List<string>>(registry, TaskNames.AssignReviewers, (a, _, input) => a.RunAsync(input));
        Add<SendReviewRequests, SendReviewRequestsInput, int>(registry, TaskNames.SendReviewRequests, (a, _, input) => a.RunAsync(input));
        Add<CloseAssignments, CloseAssignmentsInput, bool>(registry, TaskNames.CloseAssignments, async (a, _, input) =>
        {
            await a.RunAsync(input);
            return true;
        });
        Add<RecoverReviews, RecoverReviewsInput, List<string>>(registry, TaskNames.RecoverReviews, (a, _, input) => a.RunAsync(input));
        Add<ReachConsensus, ReachConsensusInput, ConsensusResult>(registry, TaskNames.ReachConsensus, (a, _, input) => a.RunAsync(input));
        Add<RequestAdjudication, RequestAdjudicationInput, string?>(registry, TaskNames.RequestAdjudication,
            (a, sp, input) => a.RunAsync(input, sp.GetRequiredService<DurableTaskClient>()));
        Add<FinalizeItem, FinalizeItemInput, bool>(registry, TaskNames.FinalizeItem, async (a, _, input) =>
        {
            await a.RunAsync(input);
            return true;
        });
        Add<CancelItemsPage, CancelItemsPageInput, CancelItemsPageResult>(registry, TaskNames.CancelItemsPage,
            (a, sp, input) => a.RunAsync(input, sp.GetRequiredService<DurableTaskClient>()));
        Add<CloseBatchAssignments, CloseBatchAssignmentsInput, int>(registry, TaskNames.CloseBatchAssignments, (a, _, input) => a.RunAsync(input));
        Add<ArmDeadline, ArmDeadlineInput, bool>(registry, TaskNames.ArmDeadline, async (a, _, input) =>
        {
            await a.RunAsync(input);
            return true;
        });
        Add<RaiseDueDeadlines, WatchDeadlinesInput, RaiseDueDeadlinesResult>(registry, TaskNames.RaiseDueDeadlines,
            (a, sp, input) => a.RunAsync(input, sp.GetRequiredService<DurableTaskClient>()));
        return registry;
    }

    private static void Add<TActivity, TIn, TOut>(
        DurableTaskRegistry registry, string name, Func<TActivity, IServiceProvider, TIn, Task<TOut>> run)
        where TActivity : notnull =>
        registry.AddActivity(name, sp => new ServiceActivity<TActivity, TIn, TOut>(sp, run));

    /// <summary>Runs an activity class resolved from the container, so activities get their services by constructor injection.</summary>
    private sealed class ServiceActivity<TActivity, TIn, TOut>(IServiceProvider services, Func<TActivity, IServiceProvider, TIn, Task<TOut>> run)
        : TaskActivity<TIn, TOut>
        where TActivity : notnull
    {
        public override Task<TOut> RunAsync(TaskActivityContext context, TIn input) =>
            run(services.GetRequiredService<TActivity>(), services, input);
    }
}
