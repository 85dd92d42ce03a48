using Azure;
using CotPipeline.Domain;
using Microsoft.Extensions.Caching.Memory;

namespace CotPipeline.Storage;

/// <summary>
/// A bounded in-process cache of the write-once blobs the review path reads: item copies and rationale versions; settings
/// snapshots come from the store's own copy (<see cref="CotStore.ReadSettingsAsync(string, DateTimeOffset, CancellationToken)"/>), under the same rule.
/// </summary>
/// <remarks>
/// Such a blob changes in one way only: its batch is purged and a new batch takes the same id. A new batch's blobs are all written
/// before its assignments, so a caller passes the moment its assignment was created, and an entry read before then is read again.
/// </remarks>
public sealed class ArtifactCache(CotStore store, TimeProvider clock) : IDisposable
{
    /// <summary>Bytes of JSON kept at most: some thousands of rationale versions.</summary>
    public const long SizeLimit = 32 * 1024 * 1024;

    /// <summary>How far the clocks of the host that wrote an assignment and of this one may differ.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(5);

    private readonly MemoryCache _entries = new(new MemoryCacheOptions { SizeLimit = SizeLimit });

    /// <summary>The settings snapshot of <paramref name="batchId"/>, as seen by an assignment created at <paramref name="notBefore"/>.</summary>
    public Task<BatchSettings> SettingsAsync(string batchId, DateTimeOffset notBefore, CancellationToken ct) =>
        store.ReadSettingsAsync(batchId, notBefore + ClockSkew, ct);

    /// <summary>The stored copy of an item (question, options, key).</summary>
    public Task<QaItem> ItemAsync(string batchId, string itemId, DateTimeOffset notBefore, CancellationToken ct) =>
        GetAsync<QaItem>(CotStore.ItemPath(batchId, itemId), notBefore,
            $"Item {batchId}/{itemId} has no stored copy at {CotStore.ItemPath(batchId, itemId)}.", ct);

    /// <summary>Rationale version <paramref name="version"/> of an item.</summary>
    public Task<RationaleVersion> VersionAsync(string batchId, string itemId, int version, DateTimeOffset notBefore, CancellationToken ct) =>
        GetAsync<RationaleVersion>(CotStore.VersionPath(batchId, itemId, version), notBefore,
            $"Item {batchId}/{itemId} has no version {version}.", ct);

    private async Task<T> GetAsync<T>(string path, DateTimeOffset notBefore, string missing, CancellationToken ct)
        where T : class
    {
        if (_entries.TryGetValue(path, out Entry? entry) && entry!.ReadAt >= notBefore + ClockSkew)
        {
            return (T)entry.Value;
        }

        // Taken before the read: the blob read is at least this recent.
        var readAt = clock.GetUtcNow();
        BinaryData content;
        try
        {
            content = (await store.Blob(path).DownloadContentAsync(ct)).Value.Content;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new InvalidOperationException(missing, e);
        }

        var value = Json.Deserialize<T>(content.ToString());
        _entries.Set(path, new Entry(value, readAt), new MemoryCacheEntryOptions { Size = content.ToMemory().Length });
        return value;
    }

    public void Dispose() => _entries.Dispose();

    private sealed record Entry(object Value, DateTimeOffset ReadAt);
}
