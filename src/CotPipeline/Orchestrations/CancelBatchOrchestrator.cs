using CotPipeline.Constants;
using CotPipeline.Models;
using Microsoft.DurableTask;

namespace CotPipeline.Orchestrations;

/// <summary>
/// Cancels a batch for the operator: its items a page at a time (continuing as new after each page, like StartBatch), then
/// closes the batch's open assignments. Returns how many items it cancelled.
/// </summary>
public static class CancelBatchOrchestrator
{
    public static readonly TaskOptions Retry = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 10, firstRetryInterval: TimeSpan.FromSeconds(5), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromMinutes(5)));

    public static async Task<int> RunAsync(TaskOrchestrationContext ctx, CancelBatchInput input)
    {
        var page = await ctx.CallActivityAsync<CancelItemsPageResult>(TaskNames.CancelItemsPage,
            new CancelItemsPageInput(input.BatchId, input.After), Retry);
        var cancelled = input.Cancelled + page.Cancelled;
        if (!page.Done)
        {
            ctx.ContinueAsNew(input with { After = page.Last, Cancelled = cancelled });
            return cancelled;
        }

        await ctx.CallActivityAsync<int>(TaskNames.CloseBatchAssignments, new CloseBatchAssignmentsInput(input.BatchId), Retry);
        return cancelled;
    }
}
