using Azure;
using Azure.Data.Tables;
using CotPipeline.Domain;
using CotPipeline.Models;
using CotPipeline.Options;
using CotPipeline.Orchestrations;
using CotPipeline.Storage;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace CotPipeline.Activities;

/// <summary>
/// Starts the ReviewItem orchestrations of one page of a batch's items; an item already started, or already ended (cancelled
/// before it was scheduled), is skipped, and a cancelled batch schedules nothing more.
/// </summary>
public sealed class ScheduleItemsPage(CotStore store, IOptions<ApiOptions> api, IOptions<PipelineOptions> pipeline, TimeProvider clock)
{
    public async Task<ScheduleItemsPageResult> RunAsync(ScheduleItemsPageInput input, DurableTaskClient client)
    {
        var batch = await store.GetRowAsync<BatchRow>(store.Batches, BatchRow.Partition, input.BatchId)
            ?? throw new InvalidOperationException($"Batch {input.BatchId} has no Batches row.");
        if (batch.Status == BatchStatus.Cancelled)
        {
            return new ScheduleItemsPageResult(0, input.After, true);
        }

        var pageSize = api.Value.SchedulePageSize;
        if (api.Value.MaxItemsStarting > 0)
        {
            var room = api.Value.MaxItemsStarting - await StartingAsync(batch, input.Scheduled);
            if (room <= 0)
            {
                return new ScheduleItemsPageResult(0, input.After, false, api.Value.ScheduleWaitInterval);
            }

            pageSize = Math.Min(pageSize, room);
        }

        var settings = await store.ReadSettingsAsync(input.BatchId);
        // Before its items: the watch raises their review deadlines (see WatchDeadlinesOrchestrator). Not on a page that waits,
        // which a large batch asks for every couple of seconds while its first items draft.
        await WatchDeadlinesOrchestrator.EnsureStartedAsync(client, input.BatchId, pipeline.Value.DeadlineCheckInterval);

        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {input.BatchId} and RowKey gt {input.After ?? ""} and RowKey lt {ItemCounters.NonItemPrefix}");
        var page = new List<ItemRow>(pageSize);
        await foreach (var row in store.Items.QueryAsync<ItemRow>(filter, maxPerPage: Math.Min(pageSize, 1000), select: ["PartitionKey", "RowKey", "State"]))
        {
            page.Add(row);
            if (page.Count == pageSize)
            {
                break;
            }
        }

        await Parallel.ForEachAsync(page.Where(r => !ItemStates.Parse(r.State).IsFinal()), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (row, ct) =>
        {
            var instanceId = Ids.ItemInstance(input.BatchId, row.RowKey);
            if (await client.GetInstanceAsync(instanceId, ct) is not null)
            {
                return;
            }

            var start = new ReviewItemInput(input.BatchId, row.RowKey, settings.Loop, LoopState.Start);
            try
            {
                await client.ScheduleNewOrchestrationInstanceAsync(Constants.TaskNames.ReviewItem, start, new Microsoft.DurableTask.StartOrchestrationOptions(instanceId), ct);
            }
            catch (Exception)
            {
                // Started by a concurrent retry of this page? Then nothing is wrong.
                if (await client.GetInstanceAsync(instanceId, ct) is null)
                {
                    throw;
                }
            }
        });

        var done = page.Count < pageSize;
        if (done)
        {
            await MarkRunningAsync(batch);
        }

        return new ScheduleItemsPageResult(page.Count, page.Count > 0 ? page[^1].RowKey : input.After, done);
    }

    /// <summary>
    /// Items started and not yet with reviewers (pending, drafting or revising), from the batch's counters: the pending count also
    /// holds the items not paged yet, which are subtracted. Items ended before they were paged make it an underestimate, never
    /// an overestimate, so a batch never waits for items that cannot move.
    /// </summary>
    private async Task<int> StartingAsync(BatchRow batch, int paged)
    {
        var counts = await ItemCounters.ReadAsync(store.Items, batch.RowKey, CancellationToken.None);
        return counts[ItemState.Pending.Name()] + counts[ItemState.Drafting.Name()] + counts[ItemState.Revising.Name()] - (batch.ItemCount - paged);
    }

    /// <summary>Every item is scheduled: the batch is running, unless the operator cancelled it meanwhile.</summary>
    private async Task MarkRunningAsync(BatchRow batch)
    {
        var update = new TableEntity(BatchRow.Partition, batch.RowKey)
        {
            [nameof(BatchRow.Status)] = BatchStatus.Running,
            [nameof(BatchRow.ScheduledAt)] = clock.GetUtcNow(),
        };
        var etag = batch.ETag;
        while (true)
        {
            try
            {
                await store.Batches.UpdateEntityAsync(update, etag, TableUpdateMode.Merge);
                return;
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                var now = await store.GetRowAsync<BatchRow>(store.Batches, BatchRow.Partition, batch.RowKey);
                if (now is null || now.Status == BatchStatus.Cancelled)
                {
                    return;
                }

                etag = now.ETag;
            }
        }
    }
}
