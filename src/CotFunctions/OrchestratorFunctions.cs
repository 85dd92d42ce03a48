using CotPipeline.Constants;
using CotPipeline.Models;
using CotPipeline.Orchestrations;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace CotFunctions;

/// <summary>
/// The orchestrators of <see cref="TaskNames.Orchestrators"/>. The extension binds the orchestration input to the
/// parameter that carries no binding attribute.
/// </summary>
public static class OrchestratorFunctions
{
    [Function(TaskNames.ReviewItem)]
    public static Task<ItemOutcome?> ReviewItem([OrchestrationTrigger] TaskOrchestrationContext ctx, ReviewItemInput input) =>
        ReviewItemOrchestrator.RunAsync(ctx, input);

    [Function(TaskNames.StartBatch)]
    public static Task<int> StartBatch([OrchestrationTrigger] TaskOrchestrationContext ctx, StartBatchInput input) =>
        StartBatchOrchestrator.RunAsync(ctx, input);

    [Function(TaskNames.CancelBatch)]
    public static Task<int> CancelBatch([OrchestrationTrigger] TaskOrchestrationContext ctx, CancelBatchInput input) =>
        CancelBatchOrchestrator.RunAsync(ctx, input);

    [Function(TaskNames.WatchDeadlines)]
    public static Task<int> WatchDeadlines([OrchestrationTrigger] TaskOrchestrationContext ctx, WatchDeadlinesInput input) =>
        WatchDeadlinesOrchestrator.RunAsync(ctx, input);
}
