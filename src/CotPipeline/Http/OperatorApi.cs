using Azure.Data.Tables;
using CotPipeline.Constants;
using CotPipeline.Domain;
using CotPipeline.Models;
using CotPipeline.Operations;
using CotPipeline.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace CotPipeline.Http;

/// <summary>Operator routes that change a running batch (cancel a batch or an item, retry a failed item, delete a batch) and purge ended histories.</summary>
public sealed class OperatorApi(CotStore store, ItemCanceller canceller, ItemRetrier retrier, BatchPurger purger, HistoryJanitor janitor, TimeProvider clock)
{
    /// <summary>
    /// <c>POST /api/batches/{batchId}/cancel</c>: stops scheduling, then (in the CancelBatch orchestration, page by page) cancels
    /// every item not yet ended, terminates its orchestration and closes the open assignments. 202 at once; asking again runs
    /// the cancellation again (it changes only what is left), so it also stops stragglers.
    /// </summary>
    public async Task<IResult> CancelBatchAsync(string batchId, DurableTaskClient client, CancellationToken ct)
    {
        if (Ids.Problem(batchId, "batch id") is { } problem)
        {
            return Problems.BadRequest(problem + ".");
        }

        await store.EnsureCreatedAsync();
        var batch = await store.GetRowAsync<BatchRow>(store.Batches, BatchRow.Partition, batchId, ct);
        if (batch is null)
        {
            return Problems.NotFound($"There is no batch \"{batchId}\".");
        }

        var progress = BatchProgress.From(batch, await ItemCounters.ReadAsync(store.Items, batchId, ct));
        if (progress.Status is BatchStatus.Finished or BatchStatus.Purging)
        {
            return Problems.Conflict("Batch is not running", $"Batch \"{batchId}\" is {progress.Status}; there is nothing to cancel.");
        }

        if (batch.Status != BatchStatus.Cancelled)
        {
            // Stored first: from here on no page of the batch is scheduled.
            await store.Batches.UpdateEntityAsync(new TableEntity(BatchRow.Partition, batchId)
            {
                [nameof(BatchRow.Status)] = BatchStatus.Cancelled,
                [nameof(BatchRow.CancelledAt)] = clock.GetUtcNow(),
            }, Azure.ETag.All, TableUpdateMode.Merge, ct);
        }

        await ItemCanceller.TerminateAsync(client, Ids.BatchInstance(batchId), ct);
        var instanceId = Ids.CancelInstance(batchId);
        if (await client.GetInstanceAsync(instanceId, ct) is { } earlier)
        {
            if (!earlier.IsCompleted)
            {
                return Accepted(batchId, progress);
            }

            await client.PurgeInstanceAsync(instanceId, cancellation: ct);
        }

        await client.ScheduleNewOrchestrationInstanceAsync(TaskNames.CancelBatch, new CancelBatchInput(batchId), new StartOrchestrationOptions(instanceId), ct);
        return Accepted(batchId, progress);
    }

    private static IResult Accepted(string batchId, BatchProgress progress) =>
        Results.Accepted($"/{ApiRouteTable.Prefix}/batches/{batchId}",
            new { batchId, status = BatchStatus.Cancelled, items = progress.Items, toCancel = progress.Items - progress.Finished });

    /// <summary><c>POST /api/batches/{batchId}/items/{itemId}/cancel</c>: the item ends cancelled; 409 when it had already ended.</summary>
    public async Task<IResult> CancelItemAsync(string batchId, string itemId, DurableTaskClient client, CancellationToken ct)
    {
        var (row, problem) = await ItemApi.FindAsync(store, batchId, itemId, ct);
        if (row is null)
        {
            return problem!;
        }

        if (!await canceller.CancelAsync(batchId, itemId, client, ct))
        {
            var state = (await store.GetRowAsync<ItemRow>(store.Items, batchId, itemId, ct))?.State ?? row.State;
            return Problems.Conflict("Item has already ended", $"Item \"{itemId}\" is {state}; only an item that has not ended can be cancelled.");
        }

        await canceller.CloseOpenAssignmentsAsync(batchId, itemId, ct);
        return Results.Accepted($"/{ApiRouteTable.Prefix}/batches/{batchId}/items/{itemId}",
            new { batchId, itemId, state = ItemState.Cancelled.Name(), reason = ItemCanceller.Reason });
    }

    /// <summary><c>POST /api/batches/{batchId}/items/{itemId}/retry</c>: a failed item's loop starts again at its next version.</summary>
    public async Task<IResult> RetryItemAsync(string batchId, string itemId, DurableTaskClient client, CancellationToken ct)
    {
        var (row, problem) = await ItemApi.FindAsync(store, batchId, itemId, ct);
        if (row is null)
        {
            return problem!;
        }

        var outcome = await retrier.RetryAsync(batchId, itemId, client, ct);
        return outcome.Kind switch
        {
            RetryOutcomeKind.NotFound => Problems.NotFound($"Batch \"{batchId}\" has no item \"{itemId}\"."),
            RetryOutcomeKind.NotFailed => Problems.Conflict("Item has not failed", $"Item \"{itemId}\" is {outcome.State}; only a failed item can be retried."),
            RetryOutcomeKind.StillRunning => Problems.Conflict("Item is still recording its failure",
                $"The orchestration of item \"{itemId}\" has not completed yet; retry in a few seconds."),
            _ => Results.Accepted($"/{ApiRouteTable.Prefix}/batches/{batchId}/items/{itemId}", new
            {
                batchId,
                itemId,
                state = outcome.State,
                round = outcome.Loop!.Round,
                nextVersion = outcome.Loop.Adjudicating ? (int?)null : outcome.Loop.Version + 1,
                next = outcome.Loop.Adjudicating ? "adjudication" : Json.Serialize(outcome.Loop.Next).Trim('"'),
                retry = outcome.Loop.Retries,
            }),
        };
    }

    /// <summary>
    /// <c>DELETE /api/batches/{batchId}?confirm={batchId}</c>: deletes everything stored for a batch whose items have all ended
    /// (finished or cancelled); 200 with what was deleted.
    /// </summary>
    public async Task<IResult> PurgeBatchAsync(string batchId, HttpRequest request, DurableTaskClient client, CancellationToken ct)
    {
        if (Ids.Problem(batchId, "batch id") is { } problem)
        {
            return Problems.BadRequest(problem + ".");
        }

        var confirm = request.Query["confirm"].ToString();
        if (confirm != batchId)
        {
            return Problems.BadRequest((confirm.Length == 0 ? "Query parameter \"confirm\" is missing" : $"Query parameter \"confirm\" is \"{Ids.Shorten(confirm)}\"")
                + $"; to delete batch \"{batchId}\" and everything stored for it, send DELETE /{ApiRouteTable.Prefix}/batches/{batchId}?confirm={batchId}.");
        }

        await store.EnsureCreatedAsync();
        var batch = await store.GetRowAsync<BatchRow>(store.Batches, BatchRow.Partition, batchId, ct);
        if (batch is null)
        {
            return Problems.NotFound($"There is no batch \"{batchId}\".");
        }

        // A purge that stopped half-way may have deleted the counters already: it just goes on.
        if (batch.Status != BatchStatus.Purging)
        {
            var progress = BatchProgress.From(batch, await ItemCounters.ReadAsync(store.Items, batchId, ct));
            if (progress.Finished < progress.Items)
            {
                var open = progress.Items - progress.Finished;
                return Problems.Conflict("Batch is still running",
                    $"Batch \"{batchId}\" has {open} item(s) not finished; wait for them or cancel the batch (POST /{ApiRouteTable.Prefix}/batches/{batchId}/cancel) first.",
                    new Dictionary<string, object?> { ["notFinished"] = open });
            }

            if (await client.GetInstanceAsync(Ids.CancelInstance(batchId), ct) is { IsCompleted: false })
            {
                return Problems.Conflict("Batch is still being cancelled",
                    $"Batch \"{batchId}\" is still closing its assignments after the cancellation; try again in a few seconds.");
            }

            await store.Batches.UpdateEntityAsync(new TableEntity(BatchRow.Partition, batchId) { [nameof(BatchRow.Status)] = BatchStatus.Purging },
                Azure.ETag.All, TableUpdateMode.Merge, ct);
        }

        var deleted = await purger.PurgeAsync(batchId, client, ct);
        return Results.Ok(new { batchId, deleted });
    }

    /// <summary>
    /// <c>POST /api/maintenance/purge-histories[?olderThan=…]</c>: deletes the engine histories of ended orchestrations started
    /// longer ago than <c>olderThan</c> (<c>7.00:00:00</c> or ISO 8601 <c>P7D</c>; default <c>Maintenance:HistoryRetention</c>),
    /// as the schedule does; 200 with how many.
    /// </summary>
    public async Task<IResult> PurgeHistoriesAsync(HttpRequest request, DurableTaskClient client, CancellationToken ct)
    {
        var given = request.Query["olderThan"].ToString();
        TimeSpan? olderThan = null;
        if (given.Length > 0)
        {
            if (ParseDuration(given) is not { } parsed || parsed < TimeSpan.Zero)
            {
                return Problems.BadRequest($"Query parameter \"olderThan\" is \"{Ids.Shorten(given)}\"; give a duration that is not negative, "
                    + "e.g. 7.00:00:00 or P7D (seven days) or PT12H (twelve hours).");
            }

            olderThan = parsed;
        }

        var purge = await janitor.PurgeAsync(client, olderThan, ct);
        return Results.Ok(new { purged = purge.Purged, olderThan = olderThan ?? janitor.Retention, cutoff = purge.Cutoff });
    }

    private static TimeSpan? ParseDuration(string text)
    {
        if (TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var span))
        {
            return span;
        }

        try
        {
            return text.StartsWith('P') || text.StartsWith("-P", StringComparison.Ordinal) ? System.Xml.XmlConvert.ToTimeSpan(text) : null;
        }
        catch (FormatException)
        {
            return null;
        }
        catch (OverflowException)
        {
            return null;
        }
    }
}
