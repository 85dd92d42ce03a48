using CotPipeline.Constants;
using CotPipeline.Models;
using CotPipeline.Storage;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace CotPipeline.Orchestrations;

/// <summary>
/// A batch's deadline watch: every <see cref="WatchDeadlinesInput.Interval"/> it raises the review deadlines now due to their
/// items (<see cref="TaskNames.RaiseDueDeadlines"/>), until every item of the batch has ended. It holds the only timer of the
/// batch's review waits, and that timer always fires: a per-wait timer would stay in the engine's queue until its deadline even
/// when the reviews came in time (with the Azure Storage backend a timer is a queue message that cannot be withdrawn), and on the
/// emulator every queue operation gets slower with every message it holds. A look that fails (storage away) is simply made again
/// at the next interval: the watch never fails for good.
/// </summary>
public static class WatchDeadlinesOrchestrator
{
    public static async Task<int> RunAsync(TaskOrchestrationContext ctx, WatchDeadlinesInput input)
    {
        var raised = input.Raised;
        try
        {
            // No retry policy: the next look, an interval later, is the retry.
            var look = await ctx.CallActivityAsync<RaiseDueDeadlinesResult>(TaskNames.RaiseDueDeadlines, input);
            raised += look.Raised;
            if (look.BatchEnded)
            {
                return raised;
            }
        }
        catch (TaskFailedException)
        {
            // Looked again at the next interval.
        }

        await ctx.CreateTimer(ctx.CurrentUtcDateTime + input.Interval, CancellationToken.None);
        ctx.ContinueAsNew(input with { Raised = raised });
        return raised;
    }

    /// <summary>
    /// Starts the watch of <paramref name="batchId"/> unless it runs: when the batch's items are scheduled, and again when a
    /// failed item is retried (a watch that saw every item ended has stopped).
    /// </summary>
    public static async Task EnsureStartedAsync(DurableTaskClient client, string batchId, TimeSpan interval, CancellationToken ct = default)
    {
        var instanceId = Ids.DeadlineInstance(batchId);
        if (await client.GetInstanceAsync(instanceId, ct) is { IsCompleted: false })
        {
            return;
        }

        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(TaskNames.WatchDeadlines, new WatchDeadlinesInput(batchId, interval),
                new StartOrchestrationOptions(instanceId), ct);
        }
        catch (Exception)
        {
            // Started at the same moment by another page or a retry? Then nothing is wrong.
            if (await client.GetInstanceAsync(instanceId, ct) is not { IsCompleted: false })
            {
                throw;
            }
        }
    }
}
