using CotPipeline.Operations;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace CotFunctions;

/// <summary>Long-run hygiene on a schedule: the engine histories of ended orchestrations go after <c>Maintenance:HistoryRetention</c>.</summary>
public sealed class MaintenanceFunctions(HistoryJanitor janitor)
{
    /// <summary>Hourly, at minute 17 (off the hour, when other jobs of a subscription tend to run).</summary>
    public const string Schedule = "0 17 * * * *";

    [Function("PurgeEndedHistories")]
    public Task PurgeEndedHistories([TimerTrigger(Schedule)] TimerInfo timer, [DurableClient] DurableTaskClient client, CancellationToken ct) =>
        janitor.PurgeAsync(client, ct: ct);
}
