using CotPipeline.Constants;
using CotPipeline.Models;
using Microsoft.DurableTask;

namespace CotPipeline.Orchestrations;

/// <summary>
/// Starts a batch's item orchestrations one page at a time and continues as new after each page,
/// so a 31,247-pair batch never becomes one orchestration with 31,247 children in its history. A page waits while
/// <see cref="Options.ApiOptions.MaxItemsStarting"/> items are starting already.
/// </summary>
public static class StartBatchOrchestrator
{
    public static readonly TaskOptions Retry = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 10, firstRetryInterval: TimeSpan.FromSeconds(5), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromMinutes(5)));

    public static async Task<int> RunAsync(TaskOrchestrationContext ctx, StartBatchInput input)
    {
        var page = await ctx.CallActivityAsync<ScheduleItemsPageResult>(TaskNames.ScheduleItemsPage,
            new ScheduleItemsPageInput(input.BatchId, input.After, input.Scheduled), Retry);
        if (page.WaitFor is { } wait)
        {
            // Enough of the batch's items are starting: look again in a moment, with a fresh history.
            await ctx.CreateTimer(ctx.CurrentUtcDateTime + wait, CancellationToken.None);
            ctx.ContinueAsNew(input);
            return input.Scheduled;
        }

        var scheduled = input.Scheduled + page.Scheduled;
        if (page.Done)
        {
            return scheduled;
        }

        ctx.ContinueAsNew(input with { After = page.Last, Scheduled = scheduled });
        return scheduled;
    }
}
