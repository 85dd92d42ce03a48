using Azure;
using Azure.Data.Tables;
using CotPipeline.Storage;
using Microsoft.DurableTask.Client;

namespace CotPipeline.Operations;

/// <summary>What a purge deleted.</summary>
public sealed record PurgeCounts(int Orchestrations, int Blobs, int Items, int CounterRows, int Reviews, int Assignments, int VerifiedItems, int EmailsSent);

/// <summary>
/// Deletes everything stored for a batch whose items have all ended: the orchestration histories (items, StartBatch, CancelBatch),
/// its blobs, its Items, VerifiedItems and MailSent partitions, Reviews and Assignments rows, and last its Batches row. Everything is streamed
/// page by page, never loaded whole. Each step deletes only what is still there, so a purge that stopped half-way is simply run again.
/// </summary>
public sealed class BatchPurger(CotStore store)
{
    private const int Parallelism = 16;
    private const int TransactionSize = 100;

    public async Task<PurgeCounts> PurgeAsync(string batchId, DurableTaskClient client, CancellationToken ct)
    {
        // The item ids come from the Items partition, so the histories go before the rows.
        var orchestrations = await PurgeOrchestrationsAsync(batchId, client, ct);
        var blobs = 0;
        foreach (var prefix in new[] { $"batches/{batchId}/", $"items/{batchId}/", $"mail/{batchId}.", $"exports/{batchId}/" })
        {
            blobs += await DeleteBlobsAsync(prefix, ct);
        }

        var reviews = await DeleteReviewsAsync(batchId, ct);
        // Items before assignments and VerifiedItems: a step that was already running when its item was cancelled finds no Items
        // row now and writes nothing; one that wrote just before is swept up by the passes that follow.
        var (items, counters) = await DeleteItemsPartitionAsync(batchId, ct);
        var assignments = await DeleteAssignmentsAsync(batchId, ct);
        var verified = await DeleteInTransactionsAsync(store.VerifiedItems, KeysOfPartition(store.VerifiedItems, batchId, ct), ct);
        var emails = await DeleteInTransactionsAsync(store.MailSent, KeysOfPartition(store.MailSent, batchId, ct), ct);
        await store.Batches.DeleteEntityAsync(BatchRow.Partition, batchId, ETag.All, ct);
        store.ForgetSettings(batchId);
        return new PurgeCounts(orchestrations, blobs, items, counters, reviews, assignments, verified, emails);
    }

    private async Task<int> PurgeOrchestrationsAsync(string batchId, DurableTaskClient client, CancellationToken ct)
    {
        var purged = 0;
        var itemIds = ItemIdsAsync(batchId, ct);
        await Parallel.ForEachAsync(itemIds, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct }, async (itemId, token) =>
        {
            var instanceId = Ids.ItemInstance(batchId, itemId);
            await EndAsync(client, instanceId, token);
            var result = await client.PurgeInstanceAsync(instanceId, cancellation: token);
            Interlocked.Add(ref purged, result.PurgedInstanceCount);
        });
        // The deadline watch ends by itself once every item has ended, but not before this purge may have started.
        await EndAsync(client, Ids.DeadlineInstance(batchId), ct);
        foreach (var instanceId in new[] { Ids.BatchInstance(batchId), Ids.CancelInstance(batchId), Ids.DeadlineInstance(batchId) })
        {
            purged += (await client.PurgeInstanceAsync(instanceId, cancellation: ct)).PurgedInstanceCount;
        }

        return purged;
    }

    /// <summary>
    /// An item cancelled a moment ago may still have its orchestration running (cancel terminates page by page): it is
    /// terminated and awaited here, so it schedules nothing after its rows are gone and its history can be purged.
    /// </summary>
    private static async Task EndAsync(DurableTaskClient client, string instanceId, CancellationToken ct)
    {
        var instance = await client.GetInstanceAsync(instanceId, cancellation: ct);
        if (instance is null || instance.IsCompleted)
        {
            return;
        }

        await client.TerminateInstanceAsync(instanceId, cancellation: ct);
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(ct);
        patience.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            await client.WaitForInstanceCompletionAsync(instanceId, cancellation: patience.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Not ended within 30 s (the engine is slow or down): purge what can be purged; the history stays for a later purge.
        }
    }

    private async IAsyncEnumerable<string> ItemIdsAsync(string batchId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {batchId} and RowKey lt {ItemCounters.NonItemPrefix}");
        await foreach (var row in store.Items.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: ct))
        {
            yield return row.RowKey;
        }
    }

    private async Task<int> DeleteBlobsAsync(string prefix, CancellationToken ct)
    {
        var deleted = 0;
        await Parallel.ForEachAsync(store.BlobNamesAsync(prefix, ct), new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct },
            async (name, token) =>
            {
                if (await store.Blob(name).DeleteIfExistsAsync(cancellationToken: token))
                {
                    Interlocked.Increment(ref deleted);
                }
            });
        return deleted;
    }

    /// <summary>Reviews are partitioned per item (<c>{batchId}:{itemId}</c>): one partition-key range holds the batch's, deleted a partition's rows at a time.</summary>
    private async Task<int> DeleteReviewsAsync(string batchId, CancellationToken ct)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey ge {batchId + ":"} and PartitionKey lt {batchId + ";"}");
        return await DeleteInTransactionsAsync(store.Reviews,
            store.Reviews.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: ct), ct);
    }

    /// <summary>Assignments are keyed by reviewer: a batch's are found with a filter across partitions, and deleted one by one.</summary>
    private async Task<int> DeleteAssignmentsAsync(string batchId, CancellationToken ct)
    {
        var deleted = 0;
        var rows = store.Assignments.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"BatchId eq {batchId}"), select: ["PartitionKey", "RowKey", "Status"], cancellationToken: ct);
        await Parallel.ForEachAsync(rows, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct }, async (row, token) =>
        {
            // An open one (left by a step that ran on past its item's cancel) stops counting as its reviewer's work first.
            if (row.GetString(nameof(AssignmentRow.Status)) == AssignmentStatus.Open && AssignmentId.TryParse(row.RowKey, out var id))
            {
                await store.Workloads.CloseAsync(id, token);
            }

            var response = await store.Assignments.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, token);
            if (response.Status != 404)
            {
                Interlocked.Increment(ref deleted);
            }
        });
        return deleted;
    }

    private async Task<(int Items, int Counters)> DeleteItemsPartitionAsync(string batchId, CancellationToken ct)
    {
        var items = 0;
        var deleted = await DeleteInTransactionsAsync(store.Items, CountAsync(KeysOfPartition(store.Items, batchId, ct)), ct);
        return (items, deleted - items);

        async IAsyncEnumerable<TableEntity> CountAsync(IAsyncEnumerable<TableEntity> source)
        {
            await foreach (var row in source)
            {
                if (ItemCounters.IsItem(row.RowKey))
                {
                    items++;
                }

                yield return row;
            }
        }
    }

    /// <summary>The keys of every row of one partition of <paramref name="table"/>, streamed page by page.</summary>
    private static IAsyncEnumerable<TableEntity> KeysOfPartition(TableClient table, string partition, CancellationToken ct) =>
        table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), select: ["PartitionKey", "RowKey"], cancellationToken: ct);

    /// <summary>Deletes streamed rows in entity-group transactions: up to 100 rows of one partition at a time.</summary>
    private static async Task<int> DeleteInTransactionsAsync(TableClient table, IAsyncEnumerable<TableEntity> rows, CancellationToken ct)
    {
        var deleted = 0;
        var batch = new List<TableTransactionAction>(TransactionSize);
        async Task FlushAsync()
        {
            if (batch.Count > 0)
            {
                await table.SubmitTransactionAsync(batch, ct);
                deleted += batch.Count;
                batch.Clear();
            }
        }

        await foreach (var row in rows)
        {
            if (batch.Count == TransactionSize || (batch.Count > 0 && batch[0].Entity.PartitionKey != row.PartitionKey))
            {
                await FlushAsync();
            }

            batch.Add(new TableTransactionAction(TableTransactionActionType.Delete, row, ETag.All));
        }

        await FlushAsync();
        return deleted;
    }
}
