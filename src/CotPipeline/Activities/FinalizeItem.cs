using CotPipeline.Domain;
using CotPipeline.Models;
using CotPipeline.Storage;

namespace CotPipeline.Activities;

/// <summary>Ends an item's loop: records the item's last state and <c>final.json</c> (which version is final, or why there is none).</summary>
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
        if (ended)
        {
            await store.CreateJsonAsync(CotStore.FinalPath(input.BatchId, input.ItemId),
                new FinalRecord(input.State, input.FinalVersion, input.Rounds, reason, input.Adjudicated, now));
        }
    }
}
