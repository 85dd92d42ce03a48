using CotPipeline.Domain;
using CotPipeline.Models;
using CotPipeline.Storage;

namespace CotPipeline.Activities;

/// <summary>Ends an item's loop: records <c>final.json</c> (which version is final, or why there is none) and the item's last state.</summary>
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

        await store.CreateJsonAsync(CotStore.FinalPath(input.BatchId, input.ItemId),
            new FinalRecord(input.State, input.FinalVersion, input.Rounds, reason, input.Adjudicated, now));
        await store.UpdateItemAsync(input.BatchId, input.ItemId, row =>
        {
            row.State = input.State.Name();
            row.FinalVersion = input.FinalVersion;
            row.Reason = reason;
            return true;
        }, now, finalizing: true);
    }
}
