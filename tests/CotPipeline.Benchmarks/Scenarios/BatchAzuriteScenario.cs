namespace CotPipeline.Benchmarks.Scenarios;

/// <summary>
/// The local host's whole loop (Azure Storage backend over Azurite) against a bare orchestration doing the same activities and
/// events on that same engine. Not built yet: the bare side needs the local host's engine wiring without the pipeline, which
/// does not exist apart from <c>CotLocal</c>. The scenario says so and reports a miss rather than a made-up figure; the
/// <c>history</c> scenario reports the local host's throughput for its N meanwhile.
/// </summary>
internal sealed class BatchAzuriteScenario : IScenario
{
    public string Name => "batch-azurite";

    public int DefaultPairs => 2_000;

    public string Goal => "loop-throughput/bare-throughput>=0.8";

    public Task<Outcome> RunAsync(int pairs, Report report, CancellationToken ct)
    {
        report.Line("not measured yet: a bare orchestration on the local host's engine (Azure Storage backend) needs that engine wired up without the pipeline; see the history scenario for the local host's own throughput");
        return Task.FromResult(new Outcome($"throughput-ratio[N={pairs}]=n/a", Pass: false));
    }
}
