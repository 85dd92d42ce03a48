using CotPipeline.Http;
using Microsoft.DurableTask.Client;

namespace CotLocal;

/// <summary>
/// The local host's side of <see cref="ReviewRelay"/>: once the host has started, the follow-ups a previous run left owed (every
/// relay row written before this start: a local host is alone on its storage), then every <see cref="ReviewRelay.SweepInterval"/>
/// those older than <see cref="ReviewRelay.Grace"/>; at shutdown, the follow-ups still running get a few seconds to finish. A failed sweep is
/// logged and tried again at the next tick.
/// </summary>
public sealed partial class ReviewRelaySweepService(
    ReviewRelay relay,
    DurableTaskClient client,
    IHostApplicationLifetime lifetime,
    TimeProvider clock,
    ILogger<ReviewRelaySweepService> logger) : BackgroundService
{
    private readonly DateTimeOffset _startedAt = clock.GetUtcNow();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken);

        await SweepAsync(_startedAt, stoppingToken);
        using var timer = new PeriodicTimer(ReviewRelay.SweepInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await SweepAsync(clock.GetUtcNow() - ReviewRelay.Grace, stoppingToken);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await relay.DrainAsync(TimeSpan.FromSeconds(5));
        await base.StopAsync(cancellationToken);
    }

    private async Task SweepAsync(DateTimeOffset before, CancellationToken ct)
    {
        try
        {
            var finished = await relay.SweepAsync(client, before, ct);
            if (finished > 0)
            {
                LogFinished(logger, finished);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(logger, e, ReviewRelay.SweepInterval);
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "Finished {Count} stored reviews whose event or assignment mark a previous run left owed")]
    private static partial void LogFinished(ILogger logger, int count);

    [LoggerMessage(2, LogLevel.Warning, "Sweeping the review relay failed; trying again in {Interval}")]
    private static partial void LogFailed(ILogger logger, Exception error, TimeSpan interval);
}
