using System.Diagnostics;
using CotPipeline.Benchmarks.Seeding;
using CotPipeline.IntegrationTests.Infrastructure;

namespace CotPipeline.Benchmarks.Scenarios;

/// <summary>
/// The Durable Task history one pair leaves in the Azure Storage backend (the task hub's History table) after its whole loop:
/// N pairs through the real local host, reviewed by <see cref="SimulatedReviewers"/> (30% take a second round on a regeneration).
/// </summary>
internal sealed class HistoryScenario : IScenario
{
    private const int GoalBytes = 32 * 1024;
    private const string BatchId = "bench-history";

    public string Name => "history";

    public int DefaultPairs => 200;

    public string Goal => $"max-bytes-per-pair<={GoalBytes}";

    public Task<Outcome> RunAsync(int pairs, Report report, CancellationToken ct)
    {
        var host = new LocalHostFixture();
        host.Settings["Api__SchedulePageSize"] = "500";
        return Fixtures.WithAsync(host, h => MeasureAsync(h, pairs, report, ct));
    }

    private static async Task<Outcome> MeasureAsync(LocalHostFixture host, int pairs, Report report, CancellationToken ct)
    {
        var api = new OperatorApi(host.Http);
        await api.AddReviewersAsync(20, ct);
        var clock = Stopwatch.StartNew();
        await api.SubmitBatchAsync(BatchId, Pairs.Jsonl(pairs), ct);
        await SimulatedReviewers.AnswerUntilFinishedAsync(api, BatchId, TimeSpan.FromMinutes(10 + (pairs / 10.0)), report, ct);
        report.Line($"{pairs:N0} pairs from upload to finished in {clock.Elapsed.TotalSeconds:0} s ({pairs / clock.Elapsed.TotalSeconds:0.0} pairs/s)");

        var sizes = (await HistorySize.PerInstanceAsync(host.Azurite.ConnectionString, LocalHostFixture.HubName, $"{BatchId}:")).Values.Order().ToList();
        if (sizes.Count != pairs)
        {
            throw new InvalidOperationException($"The History table has {sizes.Count} instances of batch {BatchId}, not {pairs}.");
        }

        var max = sizes[^1];
        report.Line($"history bytes per pair: mean {sizes.Average():0}, median {sizes[sizes.Count / 2]}, p95 {sizes[(int)(sizes.Count * 0.95)]}, max {max}");
        return new Outcome($"max-bytes-per-pair[N={pairs}]={max},mean={sizes.Average():0}", max <= GoalBytes);
    }
}
