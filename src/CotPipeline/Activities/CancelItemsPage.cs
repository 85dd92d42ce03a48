using Azure.Data.Tables;
using CotPipeline.Domain;
using CotPipeline.Models;
using CotPipeline.Operations;
using CotPipeline.Storage;
using Microsoft.DurableTask.Client;

namespace CotPipeline.Activities;

/// <summary>Cancels one page of a batch's items: each not yet ended ends cancelled and its orchestration is terminated.</summary>
public sealed class CancelItemsPage(CotStore store, ItemCanceller canceller)
{
    public const int PageSize = 200;

    public async Task<CancelItemsPageResult> RunAsync(CancelItemsPageInput input, DurableTaskClient client)
    {
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {input.BatchId} and RowKey gt {input.After ?? ""} and RowKey lt {ItemCounters.NonItemPrefix}");
        var page = new List<ItemRow>(PageSize);
        await foreach (var row in store.Items.QueryAsync<ItemRow>(filter, maxPerPage: PageSize, select: ["PartitionKey", "RowKey", "State"]))
        {
            page.Add(row);
            if (page.Count == PageSize)
            {
                break;
            }
        }

        // Items cancelled by an earlier run are passed again: their orchestration is terminated if one still runs.
        var open = page.Where(r => r.State == ItemState.Cancelled.Name() || !ItemStates.Parse(r.State).IsFinal());
        var cancelled = 0;
        await Parallel.ForEachAsync(open, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (row, ct) =>
        {
            if (await canceller.CancelAsync(input.BatchId, row.RowKey, client, ct))
            {
                Interlocked.Increment(ref cancelled);
            }
        });

        return new CancelItemsPageResult(cancelled, page.Count > 0 ? page[^1].RowKey : input.After, page.Count < PageSize);
    }
}
