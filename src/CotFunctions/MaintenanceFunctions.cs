using CotPipeline.Http;
using CotPipeline.Operations;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace CotFunctions;

/// <summary>
/// Work on a schedule: the engine histories of ended orchestrations go after <c>Maintenance:HistoryRetention</c>, and stored reviews
/// whose follow-up an instance left owed are finished (<see cref="ReviewRelay"/>).
/// </summary>
public sealed class MaintenanceFunctions(HistoryJanitor janitor, ReviewRelay relay, TimeProvider clock)
{
    /// <summary>Hourly, at minute 17 (off the hour, when other jobs of a subscription tend to run).</summary>
    public const string Schedule = "0 17 * * * *";

    [Function("PurgeEndedHistories")]
    public Task PurgeEndedHistories([TimerTrigger(Schedule)] TimerInfo timer, [DurableClient] DurableTaskClient client, CancellationToken ct) =>
        janitor.PurgeAsync(client, ct: ct);

    /// <summary>Every minute, at second 30.</summary>
    public const string RelaySchedule = "30 * * * * *";

    [Function("SweepReviewRelay")]
    public Task SweepReviewRelay([TimerTrigger(RelaySchedule)] TimerInfo timer, [DurableClient] DurableTaskClient client, CancellationToken ct) =>
        relay.SweepAsync(client, clock.GetUtcNow() - ReviewRelay.Grace, ct);
}
