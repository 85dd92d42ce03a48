using CotPipeline.Domain;
using CotPipeline.Models;
using CotPipeline.Storage;

namespace CotPipeline.Activities;

/// <summary>
/// Ends an item's loop: records the item's last state and <c>final.json</c> (which version is final, or why there is none),
/// and for a verified item the VerifiedItems row the export reads instead of the item's blobs and reviews.
/// </summary>
public sealed class FinalizeItem(CotStore store, TimeProvider clock)
{
    public async Task RunAsync(FinalizeItemInput input)
    {
        var now = clock.GetUtcNow();
        var reason = input.Reason;
        if (input.Adjudicated
            && await store.ReadJsonAsync<Adjudication>(CotStore.AdjudicationPath(input.BatchId, input.ItemId)) is { Reason: { Length: > 0 } why })
        {
            // The adjudicator's own words travel in Blob, not in the orchestration's events.
            reason = $"{reason}: {why}";
        }

        // The row first: an item the operator cancelled while this step was on its way stays cancelled, with no record saying otherwise.
        var ended = await store.UpdateItemAsync(input.BatchId, input.ItemId, row =>
        {
            if (row.State == ItemState.Cancelled.Name())
            {
                return false;
            }

            row.State = input.State.Name();
            row.FinalVersion = input.FinalVersion;
            row.Reason = reason;
            return true;
        }, now, finalizing: true);
        if (!ended)
        {
            return;
        }

        var finalPath = CotStore.FinalPath(input.BatchId, input.ItemId);
        var final = new FinalRecord(input.State, input.FinalVersion, input.Rounds, reason, input.Adjudicated, now);
        if (!await store.CreateJsonAsync(finalPath, final))
        {
            // A retried step: the export record says what the first run stored.
            final = await store.ReadJsonAsync<FinalRecord>(finalPath) ?? final;
        }

        if (input.State == ItemState.Verified && input.FinalVersion is { } finalVersion)
        {
            await RecordVerifiedAsync(input.BatchId, input.ItemId, finalVersion, final);
        }
    }

    /// <summary>
    /// Writes the item's VerifiedItems row once (a retried step finds it and writes nothing). Without its pair or final version
    /// in Blob there is no row, and the export reads the blobs and reports what is missing, as it does for items finalised before.
    /// </summary>
    private async Task RecordVerifiedAsync(string batchId, string itemId, int finalVersion, FinalRecord final)
    {
        var item = store.ReadArtifactAsync<QaItem>(batchId, CotStore.ItemPath(batchId, itemId));
        var version = store.ReadArtifactAsync<RationaleVersion>(batchId, CotStore.VersionPath(batchId, itemId, finalVersion));
        var decisions = Task.WhenAll(Enumerable.Range(1, final.Rounds)
            .Select(round => store.ReadArtifactAsync<RoundDecision>(batchId, CotStore.DecisionPath(batchId, itemId, round))));
        var decided = (await decisions).OfType<RoundDecision>().ToList();
        var rounds = ReviewedRounds.ReadAsync(store, batchId, itemId, decided);
        await Task.WhenAll(item, version, rounds);
        if (await item is not { } pair || await version is not { } rationale)
        {
            return;
        }

        // Only what the export writes: the pair's free-form metadata and the critique a version answered are left in Blob. Every
        // round of a verified item ended in a decision, which names the reviews it counted.
        var record = new VerifiedItem(pair with { Metadata = null }, rationale with { Critique = null }, final, decided, await rounds);
        if (VerifiedItemRows.From(batchId, itemId, record) is { } row)
        {
            await store.AddIfMissingAsync(store.VerifiedItems, row);
        }
    }
}
