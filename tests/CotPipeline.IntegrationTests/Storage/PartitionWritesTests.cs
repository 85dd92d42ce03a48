using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using CotPipeline.IntegrationTests.Infrastructure;
using CotPipeline.Storage;

namespace CotPipeline.IntegrationTests.Storage;

/// <summary>
/// Writes committed together (<see cref="PartitionWrites"/>) on Azurite: many callers' writes go in few requests, and each caller
/// still gets its own write's answer, in the order the writes were made, whatever its neighbours in the transaction did.
/// </summary>
public sealed class PartitionWritesTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task ManyWritesAtOnce_AllStoredInFarFewerRequestsThanWrites()
    {
        var (table, requests) = await TableAsync("pwMany");
        var writes = new PartitionWrites(table);

        var added = await Task.WhenAll(Enumerable.Range(0, 250).Select(i => writes.AddAsync(new TableEntity("p", $"r{i:D3}"))));

        Assert.All(added, Assert.True);
        Assert.Equal(250, await CountAsync(table, "p"));
        // 250 requests one by one; at most 100 writes go in one transaction, so at least 3.
        Assert.InRange(requests.Count, 3, 25);
    }

    [Fact]
    public async Task WritesThatFindTheirRowAsItIsNot_EachAnsweredNo_TheirNeighboursStored()
    {
        var (table, _) = await TableAsync("pwRefused");
        var writes = new PartitionWrites(table);
        for (var i = 0; i < 40; i += 2)
        {
            await table.AddEntityAsync(new TableEntity("p", $"r{i:D2}") { ["Was"] = "here" });
        }

        // Even rows exist: adding them is refused, deleting them works; odd rows do not: adding works, deleting is refused.
        var adds = Enumerable.Range(0, 20).Select(i => writes.AddAsync(new TableEntity("p", $"r{i:D2}") { ["Was"] = "added" })).ToList();
        var deletes = Enumerable.Range(20, 20).Select(i => writes.DeleteAsync("p", $"r{i:D2}")).ToList();

        Assert.Equal(Enumerable.Range(0, 20).Select(i => i % 2 == 1), await Task.WhenAll(adds));
        Assert.Equal(Enumerable.Range(20, 20).Select(i => i % 2 == 0), await Task.WhenAll(deletes));
        var rows = await RowsAsync(table, "p");
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"r{i:D2}"), rows.Keys);
        Assert.All(rows, r => Assert.Equal(int.Parse(r.Key[1..]) % 2 == 0 ? "here" : "added", r.Value));
    }

    [Fact]
    public async Task OneRowWrittenSeveralTimesAtOnce_WrittenInTheOrderOfTheCalls()
    {
        var (table, _) = await TableAsync("pwOrder");
        var writes = new PartitionWrites(table);

        var first = writes.AddAsync(new TableEntity("p", "x") { ["N"] = 1 });
        var other = writes.UpsertAsync(new TableEntity("p", "other"));
        var deleted = writes.DeleteAsync("p", "x");
        var again = writes.AddAsync(new TableEntity("p", "x") { ["N"] = 3 });
        var replaced = writes.UpsertAsync(new TableEntity("p", "x") { ["N"] = 4 });
        var late = writes.AddAsync(new TableEntity("p", "x") { ["N"] = 5 });
        await Task.WhenAll(other, replaced);

        bool[] answers = [await first, await deleted, await again, await late];
        Assert.Equal([true, true, true, false], answers);
        Assert.Equal(4, (await table.GetEntityAsync<TableEntity>("p", "x")).Value.GetInt32("N"));
    }

    [Fact]
    public async Task WritesOfSeveralPartitionsAtOnce_EachInItsOwnTransaction_AllStored()
    {
        var (table, requests) = await TableAsync("pwParts");
        var writes = new PartitionWrites(table);

        await Task.WhenAll(Enumerable.Range(0, 90).Select(i => writes.UpsertAsync(new TableEntity($"p{i % 3}", $"r{i:D2}"))));

        int[] counts = [await CountAsync(table, "p0"), await CountAsync(table, "p1"), await CountAsync(table, "p2")];
        Assert.Equal([30, 30, 30], counts);
        Assert.InRange(requests.Count, 3, 20);
    }

    [Fact]
    public async Task ARowTooLargeAmongOthers_ItsCallerGetsTheError_TheOthersAreStored()
    {
        var (table, _) = await TableAsync("pwLarge");
        var writes = new PartitionWrites(table);

        var small = Enumerable.Range(0, 10).Select(i => writes.AddAsync(new TableEntity("p", $"r{i}"))).ToList();
        var large = writes.UpsertAsync(new TableEntity("p", "large") { ["Body"] = new string('x', 40_000), ["Body2"] = new string('y', 40_000) });
        var more = Enumerable.Range(10, 10).Select(i => writes.AddAsync(new TableEntity("p", $"r{i}"))).ToList();

        var error = await Assert.ThrowsAnyAsync<RequestFailedException>(() => large);
        Assert.InRange(error.Status, 400, 499);
        Assert.All(await Task.WhenAll(small.Concat(more)), Assert.True);
        Assert.Equal(20, await CountAsync(table, "p"));
    }

    [Fact]
    public async Task TableMissing_EachWriterGetsTheError_AndWritesWorkOnceItExists()
    {
        var (table, _) = await TableAsync("pwMissing", create: false);
        var writes = new PartitionWrites(table);

        var failed = Enumerable.Range(0, 5).Select(i => writes.AddAsync(new TableEntity("p", $"r{i}"))).ToList();
        foreach (var write in failed)
        {
            var error = await Assert.ThrowsAnyAsync<RequestFailedException>(() => write);
            Assert.Equal("TableNotFound", error.ErrorCode);
        }

        await table.CreateAsync();
        Assert.True(await writes.AddAsync(new TableEntity("p", "after")));
        Assert.Equal(1, await CountAsync(table, "p"));
    }

    [Fact]
    public async Task CallerStopsWaiting_ItsCallEndsCancelled_TheLineGoesOn()
    {
        var (table, _) = await TableAsync("pwCancel");
        var writes = new PartitionWrites(table);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writes.AddAsync(new TableEntity("p", "never"), cancelled.Token));

        Assert.True(await writes.AddAsync(new TableEntity("p", "then")));
        Assert.Equal(["then"], (await RowsAsync(table, "p")).Keys);
    }

    private async Task<(TableClient Table, List<string> Requests)> TableAsync(string name, bool create = true)
    {
        var requests = new List<string>();
        var options = new TableClientOptions();
        options.AddPolicy(new Counting(requests), HttpPipelinePosition.PerRetry);
        var table = new TableServiceClient(azurite.ConnectionString, options).GetTableClient(name + Guid.NewGuid().ToString("N")[..8]);
        if (create)
        {
            await table.CreateAsync();
        }

        requests.Clear();
        return (table, requests);
    }

    private static async Task<int> CountAsync(TableClient table, string partition) => (await RowsAsync(table, partition)).Count;

    private static async Task<SortedDictionary<string, string?>> RowsAsync(TableClient table, string partition)
    {
        var rows = new SortedDictionary<string, string?>(StringComparer.Ordinal);
        await foreach (var row in table.QueryAsync<TableEntity>(r => r.PartitionKey == partition))
        {
            rows[row.RowKey] = row.GetString("Was");
        }

        return rows;
    }

    private sealed class Counting(List<string> requests) : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message)
        {
            lock (requests)
            {
                requests.Add(message.Request.Uri.ToString());
            }
        }
    }
}
