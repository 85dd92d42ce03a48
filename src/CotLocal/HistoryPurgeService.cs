using CotPipeline.Operations;
using CotPipeline.Options;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace CotLocal;

/// <summary>
/// The local host's counterpart of the Functions app's hourly timer: every <c>Maintenance:PurgeInterval</c> (first one
/// interval after start, so start-up stays quick) the engine histories of ended orchestrations older than the retention go.
/// A failed purge (storage briefly down) is logged and tried again at the next tick; it never stops the host.
/// </summary>
public sealed class HistoryPurgeService(
    HistoryJanitor janitor,
    DurableTaskClient client,
    IOptions<MaintenanceOptions> options,
    TimeProvider clock,
    ILogger<HistoryPurgeService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PurgeInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await janitor.PurgeAsync(client, ct: stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Purging ended engine histories failed; trying again in {Interval}", options.Value.PurgeInterval);
            }
        }
    }
}
