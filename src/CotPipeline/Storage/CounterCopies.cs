using Azure.Data.Tables;
using Microsoft.Extensions.Caching.Memory;

namespace CotPipeline.Storage;

/// <summary>
/// The counter rows of <see cref="ItemCounters"/> as this process last read or wrote them, with their ETags, so an item's change
/// does not read them again first. Every write of a counter is conditional on the ETag it read, so a copy that is out of date
/// (another process, another host's change, a purge) only makes the transaction fail; the rows it named are then forgotten and
/// read again. Only rows that exist are kept: that a row is missing is always read, because a missing idle row is skipped
/// without a write (<see cref="ItemCounters.CommitAsync"/>).
/// </summary>
public sealed class CounterCopies : IDisposable
{
    /// <summary>Rows kept at most: a batch's 16 shards of each kind, for the minutes an item's steps span, for several batches.</summary>
    public const int MaxRows = 4_096;

    private readonly MemoryCache _rows = new(new MemoryCacheOptions { SizeLimit = MaxRows });

    public void Dispose() => _rows.Dispose();

    /// <summary>A copy of the row as last seen here (the caller may change it), or null when there is none.</summary>
    public TableEntity? Get(string partitionKey, string rowKey) =>
        _rows.TryGetValue((partitionKey, rowKey), out TableEntity? kept) && kept is not null ? Copy(kept) : null;

    /// <summary>Keeps <paramref name="row"/> as written with <paramref name="etag"/>; forgets it when either is unknown.</summary>
    public void Set(string partitionKey, string rowKey, TableEntity? row, Azure.ETag? etag)
    {
        if (row is null || etag is null)
        {
            Forget(partitionKey, rowKey);
            return;
        }

        var copy = Copy(row);
        copy.ETag = etag.Value;
        _rows.Set((partitionKey, rowKey), copy, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = CotStore.SettingsLifetime });
    }

    public void Forget(string partitionKey, string rowKey) => _rows.Remove((partitionKey, rowKey));

    private static TableEntity Copy(TableEntity row) => new(row) { ETag = row.ETag };
}
