using Azure.Data.Tables;
using CotPipeline.Domain;
using CotPipeline.IntegrationTests.Infrastructure;
using CotPipeline.Storage;

namespace CotPipeline.IntegrationTests.Activities;

/// <summary>The batch counters stay exact while many items move at once, retried and late steps included.</summary>
public sealed class ItemCountersTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task UpdateItemAsync_ManyItemsMovingConcurrentlyWithRepeats_CountsEqualTheRows()
    {
        var store = new StoreScenario(azurite).Store;
        await store.EnsureCreatedAsync();
        var ids = Enumerable.Range(1, 60).Select(i => $"i{i:D3}").ToList();
        foreach (var chunk in ids.Chunk(50))
        {
            await store.Items.SubmitTransactionAsync(chunk.Select(id => new TableTransactionAction(TableTransactionActionType.Add,
                new ItemRow { PartitionKey = "cb", RowKey = id, State = ItemState.Pending.Name() })));
        }

        await store.Items.SubmitTransactionAsync(ItemCounters.Initial("cb", ids).Select(c => new TableTransactionAction(TableTransactionActionType.Add, c)));
        Assert.Equal(60, (await ItemCounters.ReadAsync(store.Items, "cb", default))["pending"]);

        Task Move(string id, ItemState to, bool finalizing = false) =>
            store.UpdateItemAsync("cb", id, row => { row.State = to.Name(); return true; }, DateTimeOffset.UtcNow, finalizing);

        // Every item goes to review (twice: a retried step), a third of them are verified, a few are sent back by a late copy.
        await Task.WhenAll(ids.SelectMany(id => new[] { Move(id, ItemState.InReview), Move(id, ItemState.InReview) }));
        await Task.WhenAll(ids.Where((_, i) => i % 3 == 0).Select(id => Move(id, ItemState.Verified, finalizing: true)));
        await Task.WhenAll(ids.Take(10).Select(id => Move(id, ItemState.Revising)));

        var counts = await ItemCounters.ReadAsync(store.Items, "cb", default);
        var actual = new Dictionary<string, int>();
        await foreach (var row in store.Items.QueryAsync<ItemRow>(r => r.PartitionKey == "cb"))
        {
            if (ItemCounters.IsItem(row.RowKey))
            {
                actual[row.State] = actual.GetValueOrDefault(row.State) + 1;
            }
        }

        Assert.Equal(60, counts.Values.Sum());
        Assert.All(counts, c => Assert.Equal(actual.GetValueOrDefault(c.Key), c.Value));
        Assert.Equal(20, counts["verified"]);
        Assert.Equal(6, counts["revising"]);
        Assert.Equal(34, counts["in-review"]);
    }
}
