using System.Diagnostics;
using System.Runtime.InteropServices;
using CotPipeline.Benchmarks.Scenarios;

namespace CotPipeline.Benchmarks;

/// <summary>
/// Picks the scenario named on the command line and runs it. <c>all</c> runs every scenario in a process of its own, so
/// no scenario's memory figure carries another's leftovers. Exit code: 0 when every goal is met, 3 when one is missed,
/// 1 when a scenario could not run.
/// </summary>
internal static class BenchmarkRunner
{
    private const string ProcessorCountVariable = "DOTNET_PROCESSOR_COUNT";

    /// <summary>
    /// How long an idle thread-pool thread spins before it sleeps. The runtime spins longer the more processors it believes it has;
    /// with the raised count on 2 real cores that spinning took about a tenth of the process's CPU (N = 300: 155 → 135 ms per pair).
    /// </summary>
    private const string SpinLimitVariable = "DOTNET_ThreadPool_UnfairSemaphoreSpinLimit";

    /// <summary>In priority order; <c>all</c> runs them in this order.</summary>
    private static readonly IScenario[] Scenarios =
    [
        new ExportScenario(), new IntakeScenario(), new HistoryScenario(), new ReviewPageScenario(), new OverheadScenario(), new BatchScenario(), new BatchAzuriteScenario(), new QuotaScenario(),
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        if (!TryParse(args, out var name, out var pairs))
        {
            await Console.Error.WriteLineAsync(
                $"usage: dotnet run -c Release --project tests/CotPipeline.Benchmarks -- SCENARIO [--pairs N]\n  SCENARIO: {string.Join(" | ", Scenarios.Select(s => s.Name))} | all");
            return 1;
        }

        if (name == "all")
        {
            var worst = 0;
            foreach (var scenario in Scenarios)
            {
                worst = Math.Max(worst, await RunChildAsync(pairs is null ? [scenario.Name] : [scenario.Name, "--pairs", pairs.Value.ToString()]));
            }

            return worst;
        }

        var chosen = Scenarios.Single(s => s.Name == name);
        if (chosen.NeedsManyProcessors && Environment.GetEnvironmentVariable(ProcessorCountVariable) is null)
        {
            // The in-memory engine sizes its concurrency from the processor count, which the runtime reads once at start.
            return await RunChildAsync(args, (ProcessorCountVariable, "256"), (SpinLimitVariable, "0"));
        }

        // Ctrl-C or SIGTERM cancels the scenario, so it unwinds and stops the servers it started instead of leaving them behind.
        using var stop = new CancellationTokenSource();
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
        return await RunScenarioAsync(chosen, pairs ?? chosen.DefaultPairs, stop.Token);

        void Cancel(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }

    private static async Task<int> RunScenarioAsync(IScenario scenario, int pairs, CancellationToken ct)
    {
        var report = new Report(scenario.Name);
        report.Line($"N = {pairs:N0} pairs; {Environment.ProcessorCount} logical processors as the runtime sees them ({Environment.GetEnvironmentVariable(ProcessorCountVariable) ?? "not raised"}), {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}");
        Outcome outcome;
        try
        {
            outcome = await scenario.RunAsync(pairs, report, ct);
        }
        catch (Exception e)
        {
            report.Line($"the scenario failed: {e}");
            Console.WriteLine(new Outcome($"failed[N={pairs}]={e.GetType().Name}", Pass: false).Line(scenario));
            return 1;
        }

        Console.WriteLine(outcome.Line(scenario));
        return outcome.Pass ? 0 : 3;
    }

    private static async Task<int> RunChildAsync(IReadOnlyList<string> args, params (string Name, string Value)[] variables)
    {
        using var child = Process.Start(Self(args, variables)) ?? throw new InvalidOperationException("Could not start the benchmarks again.");
        await child.WaitForExitAsync();
        return child.ExitCode;
    }

    /// <summary>How to start this program again, as another process, with <paramref name="args"/> and extra environment variables.</summary>
    public static ProcessStartInfo Self(IReadOnlyList<string> args, params (string Name, string Value)[] variables)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this process is unknown.");
        var start = new ProcessStartInfo(self) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(BenchmarkRunner).Assembly.Location);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in variables)
        {
            start.Environment[name] = value;
        }

        return start;
    }

    private static bool TryParse(string[] args, out string name, out int? pairs)
    {
        var first = args.Length > 0 ? args[0] : "";
        name = first;
        pairs = null;
        if (first != "all" && Scenarios.All(s => s.Name != first))
        {
            return false;
        }

        if (args.Length == 1)
        {
            return true;
        }

        if (args.Length == 3 && args[1] == "--pairs" && int.TryParse(args[2], out var n) && n > 0)
        {
            pairs = n;
            return true;
        }

        return false;
    }
}
