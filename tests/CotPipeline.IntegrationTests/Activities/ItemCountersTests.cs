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

        await store.Items.SubmitTransactionAsync(ItemCounters.Initial("cb", ids, DateTimeOffset.UtcNow).Select(c => new TableTransactionAction(TableTransactionActionType.Add, c)));
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

    [Fact]
    public async Task UpdateItemAsync_TwoProcessesMovingTheSameItems_CountsEqualTheRows()
    {
        // Each process keeps the counter rows it wrote; the other's writes make those copies out of date.
        var scenario = new StoreScenario(azurite);
        var (store, other) = (scenario.Store, scenario.OtherProcessStore());
        await store.EnsureCreatedAsync();
        var ids = Enumerable.Range(1, 40).Select(i => $"p{i:D3}").ToList();
        var stored = DateTimeOffset.UtcNow;
        await store.Items.SubmitTransactionAsync(ids.Select(id => new TableTransactionAction(TableTransactionActionType.Add,
            new ItemRow { PartitionKey = "pb", RowKey = id, State = ItemState.Pending.Name(), UpdatedAt = stored })));
        await store.Items.SubmitTransactionAsync(ItemCounters.Initial("pb", ids, stored).Select(c => new TableTransactionAction(TableTransactionActionType.Add, c)));

        Task Move(CotStore by, string id, ItemState to, bool finalizing = false) =>
            by.UpdateItemAsync("pb", id, row => { row.State = to.Name(); return true; }, DateTimeOffset.UtcNow, finalizing);

        await Task.WhenAll(ids.Select((id, i) => Move(i % 2 == 0 ? store : other, id, ItemState.InReview)));
        await Task.WhenAll(ids.Select((id, i) => Move(i % 2 == 0 ? other : store, id, ItemState.Revising)));
        await Task.WhenAll(ids.Where((_, i) => i % 4 == 0).Select((id, i) => Move(i % 2 == 0 ? store : other, id, ItemState.Verified, finalizing: true)));

        var counts = await ItemCounters.ReadAsync(store.Items, "pb", default);
        Assert.Equal(40, counts.Values.Sum());
        Assert.Equal((10, 30), (counts["verified"], counts["revising"]));
        Assert.Equal(10, await ItemCounters.FinishedAsync(store.Items, "pb", DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow, default));
        Assert.Equal(30, await ItemCounters.IdleBeforeAsync(store.Items, "pb", DateTimeOffset.UtcNow.AddMinutes(2), default));
    }

    [Fact]
    public async Task UpdateItemAsync_ItemsFinishingIdlingAndRetriedConcurrently_DoneAndIdleCountersEqualTheRows()
    {
        var store = new StoreScenario(azurite).Store;
        await store.EnsureCreatedAsync();
        var t0 = new DateTimeOffset(2025, 3, 1, 10, 0, 30, TimeSpan.Zero);
        var ids = Enumerable.Range(1, 40).Select(i => $"d{i:D3}").ToList();
        await store.Items.SubmitTransactionAsync(ids.Select(id => new TableTransactionAction(TableTransactionActionType.Add,
            new ItemRow { PartitionKey = "db", RowKey = id, State = ItemState.Pending.Name(), UpdatedAt = t0 })));
        await store.Items.SubmitTransactionAsync(ItemCounters.Initial("db", ids, t0).Select(c => new TableTransactionAction(TableTransactionActionType.Add, c)));

        Task Move(IEnumerable<string> items, ItemState to, int minutes, bool finalizing = false) => Task.WhenAll(items.SelectMany(id => new[]
        {
            // Each step twice, as a retried activity does.
            store.UpdateItemAsync("db", id, row => { row.State = to.Name(); return true; }, t0.AddMinutes(minutes), finalizing),
            store.UpdateItemAsync("db", id, row => { row.State = to.Name(); return true; }, t0.AddMinutes(minutes), finalizing),
        }));

        await Move(ids.Take(30), ItemState.InReview, 5);
        await Task.WhenAll(
            Move(ids.Take(10), ItemState.Verified, 6, finalizing: true),
            Move(ids.Skip(10).Take(5), ItemState.Revising, 7),
            Move(ids.Skip(15).Take(2), ItemState.Failed, 7, finalizing: true),
            Move(ids.Skip(30).Take(3), ItemState.Cancelled, 8));
        // An operator's retry: failed back to pending (not a second finish when it ends again).
        await Move(ids.Skip(15).Take(2), ItemState.Pending, 9, finalizing: true);

        var rows = new List<ItemRow>();
        var counters = new List<TableEntity>();
        await foreach (var row in store.Items.QueryAsync<TableEntity>(r => r.PartitionKey == "db"))
        {
            if (ItemCounters.IsItem(row.RowKey))
            {
                rows.Add((await store.GetRowAsync<ItemRow>(store.Items, "db", row.RowKey))!);
            }
            else
            {
                counters.Add(row);
            }
        }

        Assert.Equal(15, await ItemCounters.FinishedAsync(store.Items, "db", t0.AddMinutes(-5), t0.AddMinutes(10), default));
        Assert.Equal(10, await ItemCounters.FinishedAsync(store.Items, "db", t0.AddMinutes(6), t0.AddMinutes(6), default));
        Assert.Equal(2, await ItemCounters.FinishedAsync(store.Items, "db", t0.AddMinutes(7), t0.AddMinutes(7), default));
        Assert.Equal(3, await ItemCounters.FinishedAsync(store.Items, "db", t0.AddMinutes(8), t0.AddMinutes(9), default));
        foreach (var minutes in new[] { 0, 1, 6, 7, 8, 9, 10, 60 })
        {
            var cutoff = t0.AddMinutes(minutes);
            var minute = new DateTimeOffset(cutoff.Year, cutoff.Month, cutoff.Day, cutoff.Hour, cutoff.Minute, 0, TimeSpan.Zero);
            var expected = rows.Count(r => ItemStates.Parse(r.State).WaitsOnPipeline() && r.UpdatedAt < minute);
            Assert.Equal(expected, await ItemCounters.IdleBeforeAsync(store.Items, "db", cutoff, default));
        }

        // 7 still pending since t0, 5 revising since t0+7, 2 pending again since t0+9.
        Assert.Equal(14, await ItemCounters.IdleBeforeAsync(store.Items, "db", t0.AddDays(1), default));
        Assert.DoesNotContain(counters, c => c.RowKey.StartsWith(ItemCounters.IdlePrefix, StringComparison.Ordinal) && c.GetInt32("Count") <= 0);
        var counts = await ItemCounters.ReadAsync(store.Items, "db", default);
        Assert.All(counts, c => Assert.Equal(rows.Count(r => r.State == c.Key), c.Value));
    }
}
