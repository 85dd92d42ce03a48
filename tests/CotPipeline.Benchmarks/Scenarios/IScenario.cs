namespace CotPipeline.Benchmarks.Scenarios;

/// <summary>One measured figure of the performance table, with its goal.</summary>
internal interface IScenario
{
    /// <summary>The command-line name, also the second word of the RESULT line.</summary>
    string Name { get; }

    int DefaultPairs { get; }

    /// <summary>The goal as one word of the RESULT line, e.g. <c>seconds&lt;=20,peak-MiB&lt;=256</c>.</summary>
    string Goal { get; }

    /// <summary>Runs on the in-memory engine, which sizes its concurrency from the processor count.</summary>
    bool NeedsManyProcessors => false;

    Task<Outcome> RunAsync(int pairs, Report report, CancellationToken ct);
}

/// <summary>What a scenario measured: <see cref="Figures"/> is one word (no spaces) naming N, e.g. <c>seconds[N=31247]=14.2,peak-MiB=183</c>.</summary>
internal sealed record Outcome(string Figures, bool Pass)
{
    public string Line(IScenario scenario) => $"RESULT {scenario.Name} {Figures} goal={scenario.Goal} {(Pass ? "PASS" : "MISS")}";
}
