using Azure.Data.Tables;
using CotPipeline.Constants;
using CotPipeline.Domain;
using CotPipeline.Models;
using CotPipeline.Storage;
using Microsoft.DurableTask.Client;

namespace CotPipeline.Activities;

/// <summary>
/// Puts an item at the strike cap before an adjudicator: the item shows "adjudication" and the registry's
/// adjudicator (of the item's department first) gets an open adjudication assignment. Asking again is harmless. A decision
/// already stored (its event lost when a host died between storing and raising it) is raised to the item again instead.
/// </summary>
public sealed class RequestAdjudication(CotStore store, TimeProvider clock)
{
    /// <summary>Adjudication assignments use round 0, which no review round has.</summary>
    public const int AdjudicationRound = 0;

    /// <summary>
    /// Raises the item's stored decision to it again, if one is stored: its first event may have died with a host that stopped
    /// between storing and raising it. False when no decision is stored.
    /// </summary>
    public static async Task<bool> RaiseStoredAsync(CotStore store, DurableTaskClient client, string batchId, string itemId, CancellationToken ct)
    {
        if (await store.ReadJsonAsync<Adjudication>(CotStore.AdjudicationPath(batchId, itemId), ct) is not { } decided)
        {
            return false;
        }

        await client.RaiseEventAsync(Ids.ItemInstance(batchId, itemId), EventNames.AdjudicationSubmitted,
            new AdjudicationSubmitted(decided.AdjudicatorId, decided.Decision), ct);
        return true;
    }

    /// <summary>The adjudicator asked (null: none is registered, or the decision is already stored and was raised again).</summary>
    public async Task<string?> RunAsync(RequestAdjudicationInput input, DurableTaskClient client)
    {
        if (await RaiseStoredAsync(store, client, input.BatchId, input.ItemId, CancellationToken.None))
        {
            return null;
        }

        var item = await store.GetRowAsync<ItemRow>(store.Items, input.BatchId, input.ItemId)
            ?? throw new InvalidOperationException($"Item {input.BatchId}/{input.ItemId} has no Items row.");
        var adjudicators = new List<ReviewerRow>();
        await foreach (var reviewer in store.ReviewersAsync())
        {
            if (reviewer.Active && reviewer.IsAdjudicator)
            {
                adjudicators.Add(reviewer);
            }
        }

        var chosen = adjudicators
            .OrderByDescending(a => Departments.Matches(a.Departments, item.Department))
            .ThenBy(a => a.RowKey, StringComparer.Ordinal)
            .FirstOrDefault();
        var now = clock.GetUtcNow();
        if (chosen is not null)
        {
            // Added once: asking again (a reminder, a retried step) must not reopen a decided adjudication. Counted once as the
            // adjudicator's open work, also by a retry after a crash between the two writes.
            var id = new AssignmentId(input.BatchId, input.ItemId, AdjudicationRound, chosen.RowKey);
            if (await store.AddIfMissingAsync(store.Assignments, AssignmentRow.Open(id, input.Round, input.Version, AssignmentKind.Adjudication, now, input.Deadline))
                || (await store.GetRowAsync<AssignmentRow>(store.Assignments, id.ReviewerId, id.ToString()))?.Status == AssignmentStatus.Open)
            {
                await store.Workloads.OpenAsync(id);
            }
        }

        await store.UpdateItemAsync(input.BatchId, input.ItemId, row =>
        {
            row.State = ItemState.Adjudication.Name();
            row.Reason = chosen is null
                ? "at the strike cap; no adjudicator is registered, an operator can decide via POST /api/adjudications"
                : $"at the strike cap; waiting for adjudicator {chosen.RowKey}";
            return true;
        }, now);
        return chosen?.RowKey;
    }
}
