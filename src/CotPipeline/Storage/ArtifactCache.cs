using CotPipeline.Domain;

namespace CotPipeline.Storage;

/// <summary>
/// The review path's view of the write-once blobs it shows: settings snapshots, item copies and rationale versions, served from the
/// store's in-memory copies (<see cref="CotStore.ReadArtifactAsync{T}(string, string, DateTimeOffset, CancellationToken)"/>,
/// <see cref="CotStore.ReadSettingsAsync(string, DateTimeOffset, CancellationToken)"/>) the activities use too.
/// </summary>
/// <remarks>
/// Such a blob changes in one way only: its batch is purged and a new batch takes the same id, perhaps in another process. A new
/// batch's blobs are all written before its assignments, so a caller passes the moment its assignment was created, and a copy read
/// before then (give or take <see cref="ClockSkew"/>) is read again.
/// </remarks>
public sealed class ArtifactCache(CotStore store)
{
    /// <summary>How far the clocks of the host that wrote an assignment and of this one may differ.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(5);

    /// <summary>The settings snapshot of <paramref name="batchId"/>, as seen by an assignment created at <paramref name="notBefore"/>.</summary>
    public Task<BatchSettings> SettingsAsync(string batchId, DateTimeOffset notBefore, CancellationToken ct) =>
        store.ReadSettingsAsync(batchId, notBefore + ClockSkew, ct);

    /// <summary>The stored copy of an item (question, options, key).</summary>
    public async Task<QaItem> ItemAsync(string batchId, string itemId, DateTimeOffset notBefore, CancellationToken ct) =>
        await store.ReadArtifactAsync<QaItem>(batchId, CotStore.ItemPath(batchId, itemId), notBefore + ClockSkew, ct)
        ?? throw new InvalidOperationException($"Item {batchId}/{itemId} has no stored copy at {CotStore.ItemPath(batchId, itemId)}.");

    /// <summary>Rationale version <paramref name="version"/> of an item.</summary>
    public async Task<RationaleVersion> VersionAsync(string batchId, string itemId, int version, DateTimeOffset notBefore, CancellationToken ct) =>
        await store.ReadArtifactAsync<RationaleVersion>(batchId, CotStore.VersionPath(batchId, itemId, version), notBefore + ClockSkew, ct)
        ?? throw new InvalidOperationException($"Item {batchId}/{itemId} has no version {version}.");
}
