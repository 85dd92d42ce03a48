using CotPipeline.Constants;
using CotPipeline.Domain;
using CotPipeline.Models;
using CotPipeline.Options;
using CotPipeline.Orchestrations;
using CotPipeline.Storage;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace CotPipeline.Operations;

/// <summary>How a retry request ended.</summary>
public enum RetryOutcomeKind
{
    NotFound,
    /// <summary>Only failed items are retried.</summary>
    NotFailed,
    /// <summary>The failed run's orchestration has not completed yet (it is recording the failure).</summary>
    StillRunning,
    Retried,
}

/// <summary>The outcome of <see cref="ItemRetrier.RetryAsync"/>: the item's state when it was not retried, where its loop starts again when it was.</summary>
public sealed record RetryOutcome(RetryOutcomeKind Kind, string? State = null, LoopState? Loop = null);

/// <summary>
/// Restarts the ReviewItem orchestration of a failed item under the same instance id, at the next version to make (see
/// <see cref="LoopState.Resume"/>). The failed run's <c>final.json</c> is moved to <c>retries/{n}.json</c>, so the audit trail
/// keeps it and the new run can record its own end.
/// </summary>
public sealed class ItemRetrier(CotStore store, ItemCanceller canceller, IOptions<PipelineOptions> pipeline, TimeProvider clock)
{
    public async Task<RetryOutcome> RetryAsync(string batchId, string itemId, DurableTaskClient client, CancellationToken ct)
    {
        var row = await store.GetRowAsync<ItemRow>(store.Items, batchId, itemId, ct);
        if (row is null)
        {
            return new(RetryOutcomeKind.NotFound);
        }

        if (row.State != ItemState.Failed.Name())
        {
            return new(RetryOutcomeKind.NotFailed, row.State);
        }

        var instanceId = Ids.ItemInstance(batchId, itemId);
        var instance = await client.GetInstanceAsync(instanceId, ct);
        if (instance is { RuntimeStatus: OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Suspended })
        {
            return new(RetryOutcomeKind.StillRunning, row.State);
        }

        // The operator may have put right what made the item fail, settings included: the retried run reads them afresh.
        store.ForgetSettings(batchId);
        var settings = await store.ReadSettingsAsync(batchId, ct);
        var lastRound = row.Round > 0 ? await store.ReadJsonAsync<RoundDecision>(CotStore.DecisionPath(batchId, itemId, row.Round), ct) : null;
        var retry = row.Retries + 1;
        var loop = LoopState.Resume(row.Round, row.CurrentVersion, row.Strikes, retry, lastRound, settings.Loop.StrikeCap);

        var now = clock.GetUtcNow();
        var finalPath = CotStore.FinalPath(batchId, itemId);
        await store.CreateJsonAsync(CotStore.RetryPath(batchId, itemId, retry),
            new RetryRecord(retry, await store.ReadJsonAsync<FinalRecord>(finalPath, ct), now), ct);
        await store.Blob(finalPath).DeleteIfExistsAsync(cancellationToken: ct);

        var reopened = await store.UpdateItemAsync(batchId, itemId, r =>
        {
            if (r.State != ItemState.Failed.Name())
            {
                return false;
            }

            r.State = ItemState.Pending.Name();
            r.Reason = null;
            r.FinalVersion = null;
            r.Retries = retry;
            return true;
        }, now, finalizing: true, ct);
        if (!reopened)
        {
            // Another retry got there first.
            return new(RetryOutcomeKind.NotFailed, (await store.GetRowAsync<ItemRow>(store.Items, batchId, itemId, ct))?.State);
        }

        // A failure in the middle of a round leaves its assignments open: that round is over.
        await canceller.CloseOpenAssignmentsAsync(batchId, itemId, ct);
        if (instance is not null)
        {
            await client.PurgeInstanceAsync(instanceId, cancellation: ct);
        }

        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(TaskNames.ReviewItem, new ReviewItemInput(batchId, itemId, settings.Loop, loop),
                new StartOrchestrationOptions(instanceId), ct);
        }
        catch (Exception)
        {
            // Not started: the item is failed again, so the operator can retry once more.
            await store.UpdateItemAsync(batchId, itemId, r =>
            {
                r.State = ItemState.Failed.Name();
                r.Reason = "the retry could not start the item's orchestration";
                return true;
            }, clock.GetUtcNow(), ct: ct);
            throw;
        }

        // The batch's deadline watch stopped when every item had ended; the retried item's reviews need it again.
        await WatchDeadlinesOrchestrator.EnsureStartedAsync(client, batchId, pipeline.Value.DeadlineCheckInterval, ct);
        return new(RetryOutcomeKind.Retried, ItemState.Pending.Name(), loop);
    }
}
