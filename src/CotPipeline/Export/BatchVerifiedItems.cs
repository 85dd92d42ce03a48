using Azure.Data.Tables;
using CotPipeline.Domain;
using CotPipeline.Storage;

namespace CotPipeline.Export;

/// <summary>
/// The VerifiedItems rows of a batch, read in one partition query in item-id order and handed out item by item as the caller
/// walks the Items partition (same order): a page of 1,000 items per round trip instead of several blob reads and a reviews
/// query per item. An item finalised before these rows existed, or too large for one, has none.
/// </summary>
internal sealed class BatchVerifiedItems : IAsyncDisposable
{
    private readonly IAsyncEnumerator<TableEntity> _rows;
    private bool _started;
    private bool _more;

    public BatchVerifiedItems(CotStore store, string batchId, CancellationToken ct) =>
        _rows = store.VerifiedItems.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {batchId}"), maxPerPage: 1000, cancellationToken: ct)
            .PagesAheadAsync(ct).GetAsyncEnumerator(ct);

    /// <summary>The record of the first row, or null when there is none; asked before <see cref="OfItemAsync"/>.</summary>
    public async Task<VerifiedItem?> FirstAsync()
    {
        await StartAsync();
        return _more ? VerifiedItemRows.Read(_rows.Current) : null;
    }

    /// <summary>The record of <paramref name="itemId"/>, or null; items must be asked for in ascending (ordinal) id order.</summary>
    public async Task<VerifiedItem?> OfItemAsync(string itemId)
    {
        await StartAsync();
        while (_more && string.CompareOrdinal(_rows.Current.RowKey, itemId) < 0)
        {
            _more = await _rows.MoveNextAsync();
        }

        return _more && _rows.Current.RowKey == itemId ? VerifiedItemRows.Read(_rows.Current) : null;
    }

    private async Task StartAsync()
    {
        if (!_started)
        {
            _more = await _rows.MoveNextAsync();
            _started = true;
        }
    }

    public ValueTask DisposeAsync() => _rows.DisposeAsync();
}
