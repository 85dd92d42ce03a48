namespace CotPipeline.Benchmarks.Scenarios;

/// <summary>One measured figure of the performance table, with its goal.</summary>
internal interface IScenario
{
    /// <summary>The command-line name, also the second word of the RESULT line.</summary>
    string Name { get; }

    int DefaultPairs { get; }

    /// <summary>Runs on the in-memory engine, which sizes its concurrency from the processor count.</summary>
    bool NeedsManyProcessors => false;

    Task<Outcome> RunAsync(int pairs, Report report, CancellationToken ct);
}

/// <summary>
/// What a scenario measured: <see cref="Figures"/> and <see cref="Goal"/> are single words (no spaces), e.g.
/// <c>seconds[N=31247]=14.2,peak-MiB=183</c> and <c>&lt;=20,&lt;=256</c>.
/// </summary>
internal sealed record Outcome(string Figures, string Goal, bool Pass)
{
    public string Line(string scenario) => $"RESULT {scenario} {Figures} goal={Goal} {(Pass ? "PASS" : "MISS")}";
}

/// <summary>The lines a scenario prints before its RESULT line, each tagged with the scenario and the time since it started.</summary>
internal sealed class Report(string scenario)
{
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    public void Line(string text) => Console.WriteLine($"[{scenario} {_clock.Elapsed.TotalSeconds,6:0.0}s] {text}");
}
