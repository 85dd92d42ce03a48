using System.Diagnostics;
using System.Text;
using CotPipeline.Benchmarks.Measure;
using CotPipeline.Benchmarks.Seeding;
using CotPipeline.IntegrationTests.Infrastructure;

namespace CotPipeline.Benchmarks.Scenarios;

/// <summary>
/// <c>POST /api/batches</c> with an N-line JSONL upload to the real local host (CotLocal as its own process over a private
/// Azurite): validation, the stored input, one item blob and Items row per pair, the counters, the batch row and the start of
/// scheduling. Measures the request's time and the host's resident memory while it runs.
/// </summary>
internal sealed class IntakeScenario : IScenario
{
    private const double GoalSeconds = 60;
    private const double GoalGrowthMiB = 256;

    public string Name => "intake";

    public int DefaultPairs => 31_247;

    /// <summary>"Flat" memory, made checkable: the host grows by less than the export's whole budget while it takes the upload.</summary>
    public string Goal => $"seconds<={GoalSeconds:0},growth-MiB<={GoalGrowthMiB:0}";

    public async Task<Outcome> RunAsync(int pairs, Report report, CancellationToken ct)
    {
        var host = new LocalHostFixture();
        host.Settings["Api__MaxUploadBytes"] = (256 * 1024 * 1024).ToString();
        host.Settings["Api__SchedulePageSize"] = "500";
        return await Fixtures.WithAsync(host, h => MeasureAsync(h, pairs, report, ct));
    }

    private static async Task<Outcome> MeasureAsync(LocalHostFixture host, int pairs, Report report, CancellationToken ct)
    {
        // A small batch first, so the measured request does not pay for the first use of every code path.
        await new OperatorApi(host.Http).SubmitBatchAsync("bench-warmup", Pairs.Jsonl(20), ct);

        var upload = Pairs.Jsonl(pairs);
        report.Line($"upload: {pairs:N0} lines, {Encoding.UTF8.GetByteCount(upload) / 1024.0 / 1024.0:0.0} MiB");
        var clock = Stopwatch.StartNew();
        await using var memory = MemoryWatch.Start(host.ProcessId);
        var answer = await new OperatorApi(host.Http).SubmitBatchAsync("bench-intake", upload, ct);
        clock.Stop();
        await memory.StopAsync();

        var growth = (memory.PeakBytes - memory.StartBytes) / 1024.0 / 1024.0;
        report.Line($"POST /api/batches answered {answer} in {clock.Elapsed.TotalSeconds:0.0} s ({pairs / clock.Elapsed.TotalSeconds:N0} pairs/s)");
        report.Line($"CotLocal: {memory.Describe()}; growth during the request {growth:0} MiB");
        return new Outcome(
            $"seconds[N={pairs}]={clock.Elapsed.TotalSeconds:0.0},peak-MiB={memory.PeakMiB:0},growth-MiB={growth:0}",
            clock.Elapsed.TotalSeconds <= GoalSeconds && growth <= GoalGrowthMiB);
    }
}
