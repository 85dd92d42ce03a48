using Azure.Data.Tables;
using CotPipeline.Domain;
using CotPipeline.Storage;
using Microsoft.DurableTask.Client;

namespace CotPipeline.Operations;

/// <summary>
/// Stops items for the operator: the item ends <c>cancelled</c>, its ReviewItem orchestration is terminated, and its open
/// assignments are closed (their links then answer "round closed").
/// </summary>
public sealed class ItemCanceller(CotStore store, TimeProvider clock)
{
    /// <summary>The reason a cancelled item carries, in the item and in the export's <c>excluded.jsonl</c>.</summary>
    public const string Reason = "cancelled by the operator";

    /// <summary>
    /// Cancels an item that has not ended, and terminates its orchestration if it still runs (also for an item cancelled before,
    /// so cancelling again stops a straggler). True when this call cancelled the item.
    /// </summary>
    public async Task<bool> CancelAsync(string batchId, string itemId, DurableTaskClient client, CancellationToken ct)
    {
        // Marked first: a step of the orchestration already on its way when it is terminated then finds the item ended and
        // changes nothing (final rows take only finalizing writes, and FinalizeItem leaves a cancelled item alone).
        var cancelled = await store.UpdateItemAsync(batchId, itemId, row =>
        {
            row.State = ItemState.Cancelled.Name();
            row.Reason = Reason;
            return true;
        }, clock.GetUtcNow(), ct: ct);
        if (cancelled || (await store.GetRowAsync<ItemRow>(store.Items, batchId, itemId, ct))?.State == ItemState.Cancelled.Name())
        {
            await TerminateAsync(client, Ids.ItemInstance(batchId, itemId), ct);
        }

        return cancelled;
    }

    /// <summary>Terminates an orchestration that has not completed; an unknown or completed one is left as it is.</summary>
    public static async Task TerminateAsync(DurableTaskClient client, string instanceId, CancellationToken ct)
    {
        var instance = await client.GetInstanceAsync(instanceId, ct);
        if (instance is { RuntimeStatus: OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Suspended })
        {
            await client.TerminateInstanceAsync(instanceId, new TerminateInstanceOptions(Reason), ct);
        }
    }

    /// <summary>
    /// Closes the open assignments of a batch, or of one item of it. Assignments are keyed by reviewer, so this is a filter on
    /// non-key properties across partitions: it runs once per cancel or retry, never per page of a listing.
    /// </summary>
    public async Task<int> CloseOpenAssignmentsAsync(string batchId, string? itemId, CancellationToken ct)
    {
        var filter = itemId is null
            ? TableClient.CreateQueryFilter($"BatchId eq {batchId} and Status eq {AssignmentStatus.Open}")
            : TableClient.CreateQueryFilter($"BatchId eq {batchId} and ItemId eq {itemId} and Status eq {AssignmentStatus.Open}");
        var closed = 0;
        await foreach (var assignment in store.Assignments.QueryAsync<AssignmentRow>(filter, cancellationToken: ct))
        {
            // Closed only while open: a review that arrives at this moment marks it submitted, and it stays so (kept in the audit
            // trail). Its open-work marker goes first, so a run again after a crash between the two finds it still open and finishes it.
            if (AssignmentId.TryParse(assignment.RowKey, out var id) && await store.EndIfOpenAsync(id, assignment, AssignmentStatus.Closed, ct))
            {
                closed++;
            }
        }

        return closed;
    }
}
