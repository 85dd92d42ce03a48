using System.Diagnostics;
using CotPipeline.Benchmarks.Measure;
using CotPipeline.Benchmarks.Seeding;
using CotPipeline.Export;
using CotPipeline.IntegrationTests.Infrastructure;
using CotPipeline.Options;
using CotPipeline.Storage;

namespace CotPipeline.Benchmarks.Scenarios;

/// <summary>
/// <see cref="BatchExporter.ExportAsync"/> over a finished batch of N verified pairs laid down in Azurite (in-memory, private
/// ports): the time of the export and the peak resident memory of the process that runs it. The batch is seeded here, and the
/// export runs in a process of its own (this program again, told the storage to use), so its memory is the export's and the
/// runtime's, not what seeding 31,247 pairs left behind in this one.
/// </summary>
internal sealed class ExportScenario : IScenario
{
    private const double GoalSeconds = 20;
    private const double GoalMiB = 256;
    private const string BatchId = "bench-export";

    /// <summary>Set for the exporting process: the connection string of the seeded storage.</summary>
    private const string ConnectionVariable = "COT_BENCH_EXPORT_CONNECTION";

    public string Name => "export";

    public int DefaultPairs => 31_247;

    public string Goal => $"seconds<={GoalSeconds:0},peak-MiB<={GoalMiB:0}";

    public async Task<Outcome> RunAsync(int pairs, Report report, CancellationToken ct) =>
        Environment.GetEnvironmentVariable(ConnectionVariable) is { Length: > 0 } connection
            ? await ExportAsync(connection, pairs, report, ct)
            : await Fixtures.WithAsync(new AzuriteFixture(), azurite => SeedThenExportAsync(azurite, pairs, report, ct));

    private async Task<Outcome> SeedThenExportAsync(AzuriteFixture azurite, int pairs, Report report, CancellationToken ct)
    {
        var store = StorageServiceCollectionExtensions.Create(new StorageOptions { ConnectionString = azurite.ConnectionString });
        var seeding = Stopwatch.StartNew();
        await new VerifiedBatchSeeder(store).SeedAsync(BatchId, pairs, ct);
        report.Line($"seeded {pairs:N0} verified pairs (30% in two rounds) in {seeding.Elapsed.TotalSeconds:0.0} s; the export runs in a new process");

        var start = BenchmarkRunner.Self([Name, "--pairs", pairs.ToString()], (ConnectionVariable, azurite.ConnectionString));
        start.RedirectStandardOutput = true;
        using var child = Process.Start(start) ?? throw new InvalidOperationException("Could not start the exporting process.");
        using var stop = ct.Register(() => child.Kill());
        Outcome? outcome = null;
        while (await child.StandardOutput.ReadLineAsync(ct) is { } line)
        {
            // Its lines are relayed; its RESULT line becomes this scenario's outcome (printed once, by the runner).
            if (line.Split(' ') is ["RESULT", _, var figures, _, var verdict])
            {
                outcome = new Outcome(figures, verdict == "PASS");
            }
            else
            {
                Console.WriteLine(line);
            }
        }

        await child.WaitForExitAsync(ct);
        return outcome ?? throw new InvalidOperationException($"The exporting process ended ({child.ExitCode}) without a RESULT line.");
    }

    /// <summary>In the exporting process: one export, timed, with this process's peak memory.</summary>
    private static async Task<Outcome> ExportAsync(string connection, int pairs, Report report, CancellationToken ct)
    {
        var store = StorageServiceCollectionExtensions.Create(new StorageOptions { ConnectionString = connection });
        var exporter = new BatchExporter(store, TimeProvider.System);
        ExportResult result;
        var clock = Stopwatch.StartNew();
        await using (var memory = MemoryWatch.Start(Environment.ProcessId))
        {
            result = await exporter.ExportAsync(BatchId, ct);
            clock.Stop();
            await memory.StopAsync();
            report.Line($"export {result.ExportId}: {clock.Elapsed.TotalSeconds:0.0} s, {pairs / clock.Elapsed.TotalSeconds:N0} pairs/s; {memory.Describe()}");
            foreach (var file in result.Files)
            {
                report.Line($"  {file.Name,-15} {file.Bytes / 1024.0 / 1024.0,8:0.0} MiB{(file.Lines is { } lines ? $" {lines,8:N0} lines" : "")}");
            }

            var exported = result.Files.Single(f => f.Name == ExportFiles.Dataset).Lines;
            if (exported != pairs)
            {
                throw new InvalidOperationException($"The export has {exported} dataset lines for {pairs} verified pairs.");
            }

            var seconds = clock.Elapsed.TotalSeconds;
            return new Outcome(
                $"seconds[N={pairs}]={seconds:0.0},peak-MiB={memory.PeakMiB:0}",
                seconds <= GoalSeconds && memory.PeakMiB <= GoalMiB);
        }
    }
}
