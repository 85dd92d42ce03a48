using CotPipeline.Options;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CotPipeline.Operations;

/// <summary>What one purge of ended histories did.</summary>
public sealed record HistoryPurge(DateTimeOffset Cutoff, int Purged);

/// <summary>
/// Keeps the engine's tables from growing with every item ever reviewed: deletes the histories of orchestrations that ended
/// (completed or terminated) and whose last execution started before the cutoff. Running or failed instances are never
/// touched (a failed item is retried from its instance). Nothing of ours is lost: an ended item's state, versions, reviews and
/// audit trail are in our tables and blobs, and a re-submitted batch skips items whose state is final, not whose instance exists.
/// </summary>
public sealed class HistoryJanitor(IOptions<MaintenanceOptions> options, TimeProvider clock, ILogger<HistoryJanitor> logger)
{
    private static readonly OrchestrationRuntimeStatus[] Ended = [OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Terminated];

    public TimeSpan Retention => options.Value.HistoryRetention;

    public async Task<HistoryPurge> PurgeAsync(DurableTaskClient client, TimeSpan? olderThan = null, CancellationToken ct = default)
    {
        var cutoff = clock.GetUtcNow() - (olderThan ?? Retention);
        // An explicit lower bound: the local engine's sidecar fails on a filter without one.
        var result = await client.PurgeAllInstancesAsync(new PurgeInstancesFilter(CreatedFrom: DateTimeOffset.UnixEpoch, CreatedTo: cutoff, Statuses: Ended), ct);
        logger.LogInformation("Purged the engine histories of {Count} ended orchestrations started before {Cutoff:u}", result.PurgedInstanceCount, cutoff);
        return new HistoryPurge(cutoff, result.PurgedInstanceCount);
    }
}
