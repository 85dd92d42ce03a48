using CotPipeline.Constants;
using CotPipeline.Domain;
using CotPipeline.Models;
using CotPipeline.Storage;
using Microsoft.DurableTask.Client;

namespace CotPipeline.Activities;

/// <summary>
/// One look of a batch's deadline watch: every armed deadline now due is raised to its item as <see cref="DeadlineReached"/>, then
/// forgotten. A deadline whose round is over (the item decided, moved on or ended) is forgotten without a word. Raising twice (a
/// look cut short between the raise and the forgetting) is harmless: the item acts on a deadline once, and ignores one for another
/// round or one it has moved past. Reports whether every item of the batch has ended, so the watch stops.
/// </summary>
public sealed class RaiseDueDeadlines(CotStore store, TimeProvider clock)
{
    private const int Parallelism = 8;

    public async Task<RaiseDueDeadlinesResult> RunAsync(WatchDeadlinesInput input, DurableTaskClient client)
    {
        var counts = await ItemCounters.ReadAsync(store.Items, input.BatchId, CancellationToken.None);
        if (Enum.GetValues<ItemState>().Where(s => !s.IsFinal()).Sum(s => counts[s.Name()]) == 0)
        {
            return new RaiseDueDeadlinesResult(0, BatchEnded: true);
        }

        var raised = 0;
        await Parallel.ForEachAsync(ReviewDeadlines.DueAsync(store, input.BatchId, clock.GetUtcNow()), new ParallelOptions { MaxDegreeOfParallelism = Parallelism },
            async (due, ct) =>
            {
                var item = await store.GetRowAsync<ItemRow>(store.Items, input.BatchId, due.ItemId, ct);
                if (item is not null && item.Round == due.Round && ItemStates.Parse(item.State) == ItemState.InReview)
                {
                    await client.RaiseEventAsync(Ids.ItemInstance(input.BatchId, due.ItemId), EventNames.DeadlineReached,
                        new DeadlineReached(due.Round, due.Due), ct);
                    Interlocked.Increment(ref raised);
                }

                await ReviewDeadlines.ForgetAsync(store, due, ct);
            });
        return new RaiseDueDeadlinesResult(raised, BatchEnded: false);
    }
}
