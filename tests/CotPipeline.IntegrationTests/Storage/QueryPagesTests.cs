using Azure;
using Azure.Data.Tables;
using CotPipeline.IntegrationTests.Activities;
using CotPipeline.IntegrationTests.Infrastructure;
using CotPipeline.Storage;

namespace CotPipeline.IntegrationTests.Storage;

/// <summary>
/// Queries read through the store's table clients on Azurite: pages streamed from the connection (<see cref="StreamedQueryPages"/>)
/// and read one ahead (<see cref="ReadAhead.PagesAheadAsync"/>) give every row once, in key order, and a failing query still
/// says why (its answer is read whole).
/// </summary>
public sealed class QueryPagesTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task PagesAheadAsync_ManyPages_EveryRowOnceInKeyOrder()
    {
        var (table, keys) = await RowsAsync("qp-all", 2_350);

        var read = new List<string>();
        await foreach (var row in table.QueryAsync<TableEntity>(r => r.PartitionKey == "qp-all", maxPerPage: 1000).PagesAheadAsync())
        {
            Assert.Equal(row.RowKey.Length * 10, row.GetString("Body")!.Length);
            read.Add(row.RowKey);
        }

        Assert.Equal(keys, read);
    }

    [Fact]
    public async Task PagesAheadAsync_CallerStopsEarly_StopsCleanlyAndAQueryAfterItWorks()
    {
        var (table, keys) = await RowsAsync("qp-stop", 1_200);

        var read = new List<string>();
        await foreach (var row in table.QueryAsync<TableEntity>(r => r.PartitionKey == "qp-stop", maxPerPage: 100).PagesAheadAsync())
        {
            read.Add(row.RowKey);
            if (read.Count == 150)
            {
                break;
            }
        }

        Assert.Equal(keys.Take(150), read);
        var again = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>(r => r.PartitionKey == "qp-stop", select: ["RowKey"]).PagesAheadAsync())
        {
            again++;
        }

        Assert.Equal(keys.Count, again);
    }

    [Fact]
    public async Task PagesAheadAsync_Cancelled_ThrowsAndReadsNoMore()
    {
        var (table, _) = await RowsAsync("qp-cancel", 300);
        using var cancel = new CancellationTokenSource();

        var read = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in table.QueryAsync<TableEntity>(r => r.PartitionKey == "qp-cancel", maxPerPage: 100, cancellationToken: cancel.Token).PagesAheadAsync(cancel.Token))
            {
                if (++read == 100)
                {
                    await cancel.CancelAsync();
                }
            }
        });
        Assert.Equal(100, read);
    }

    [Fact]
    public async Task StreamedQuery_MissingTable_FailsWithItsErrorCode()
    {
        var store = new StoreScenario(azurite).Store; // its tables are not created

        var error = await Assert.ThrowsAsync<RequestFailedException>(async () =>
        {
            await foreach (var _ in store.Items.QueryAsync<TableEntity>(maxPerPage: 10))
            {
            }
        });
        Assert.Equal(404, error.Status);
        Assert.Equal("TableNotFound", error.ErrorCode);
    }

    /// <summary>Rows with growing bodies (so pages are large) under one partition of the store's Items table, and their keys in order.</summary>
    private async Task<(TableClient Table, List<string> Keys)> RowsAsync(string partition, int count)
    {
        var store = new StoreScenario(azurite).Store;
        await store.EnsureCreatedAsync();
        var keys = Enumerable.Range(0, count).Select(i => $"r{i:D5}").ToList();
        foreach (var chunk in keys.Chunk(100))
        {
            await store.Items.SubmitTransactionAsync(chunk.Select(k =>
                new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(partition, k) { ["Body"] = new string('x', k.Length * 10) })));
        }

        return (store.Items, keys);
    }
}
