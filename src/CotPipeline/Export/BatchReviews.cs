using Azure.Data.Tables;
using CotPipeline.Domain;
using CotPipeline.Storage;

namespace CotPipeline.Export;

/// <summary>
/// The counted reviews of a batch, read in one pass in key order (partition <c>{batchId}:{itemId}</c>, then round and reviewer)
/// and handed out item by item as the caller walks the Items partition, which sorts by item id the same way. One range query
/// instead of one query per item: 31,247 items need a few dozen pages, not 31,247 round trips. Used for batches whose
/// VerifiedItems rows do not carry the reviews, or with many items that have no such row.
/// </summary>
internal sealed class BatchReviews : IAsyncDisposable
{
    /// <summary>What <see cref="ReviewedRounds.Of"/> reads of a row.</summary>
    private static readonly string[] Columns = [nameof(ReviewRow.PartitionKey), nameof(ReviewRow.Counted), nameof(ReviewRow.ReviewJson)];

    private readonly string _batchId;
    private readonly IAsyncEnumerator<ReviewRow> _rows;
    private bool _started;
    private bool _more;

    public BatchReviews(CotStore store, string batchId, CancellationToken ct)
    {
        _batchId = batchId;
        // Exactly the partitions that start with "{batchId}:" (';' follows ':'; ids never contain either).
        var filter = TableClient.CreateQueryFilter($"PartitionKey gt {batchId + ":"} and PartitionKey lt {batchId + ";"}");
        _rows = store.Reviews.QueryAsync<ReviewRow>(filter, maxPerPage: 1000, Columns, ct).PagesAheadAsync(ct).GetAsyncEnumerator(ct);
    }

    /// <summary>The rounds of <paramref name="itemId"/>; items must be asked for in ascending (ordinal) id order.</summary>
    public async Task<IReadOnlyList<ReviewedRound>> OfItemAsync(string itemId)
    {
        var partition = ReviewRow.PartitionFor(_batchId, itemId);
        if (!_started)
        {
            _more = await _rows.MoveNextAsync();
            _started = true;
        }

        // Reviews of an item without an Items row sort before the next item that has one: skipped, as a per-item query would.
        while (_more && string.CompareOrdinal(_rows.Current.PartitionKey, partition) < 0)
        {
            _more = await _rows.MoveNextAsync();
        }

        var rows = new List<ReviewRow>();
        while (_more && _rows.Current.PartitionKey == partition)
        {
            rows.Add(_rows.Current);
            _more = await _rows.MoveNextAsync();
        }

        return ReviewedRounds.Of(rows);
    }

    public ValueTask DisposeAsync() => _rows.DisposeAsync();
}
