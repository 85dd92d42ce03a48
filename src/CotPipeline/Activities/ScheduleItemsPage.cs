using Azure.Data.Tables;
using CotPipeline.Domain;
using CotPipeline.Models;
using CotPipeline.Options;
using CotPipeline.Storage;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace CotPipeline.Activities;

/// <summary>Starts the ReviewItem orchestrations of one page of a batch's items; an item already started is skipped.</summary>
public sealed class ScheduleItemsPage(CotStore store, IOptions<ApiOptions> api, TimeProvider clock)
{
    public async Task<ScheduleItemsPageResult> RunAsync(ScheduleItemsPageInput input, DurableTaskClient client)
    {
        var settings = await store.ReadSettingsAsync(input.BatchId);
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {input.BatchId} and RowKey gt {input.After ?? ""} and RowKey lt {ItemCounters.RowPrefix}");
        var pageSize = api.Value.SchedulePageSize;
        var page = new List<ItemRow>(pageSize);
        await foreach (var row in store.Items.QueryAsync<ItemRow>(filter, maxPerPage: Math.Min(pageSize, 1000), select: ["PartitionKey", "RowKey"]))
        {
            page.Add(row);
            if (page.Count == pageSize)
            {
                break;
            }
        }

        await Parallel.ForEachAsync(page, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (row, ct) =>
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
        var batch = new TableEntity(BatchRow.Partition, input.BatchId);
        if (done)
        {
            batch[nameof(BatchRow.Status)] = BatchStatus.Running;
            batch[nameof(BatchRow.ScheduledAt)] = clock.GetUtcNow();
        }

        if (done || page.Count > 0)
        {
            await store.Batches.UpdateEntityAsync(batch, Azure.ETag.All, TableUpdateMode.Merge);
        }

        return new ScheduleItemsPageResult(page.Count, page.Count > 0 ? page[^1].RowKey : input.After, done);
    }
}
