namespace CotPipeline.Benchmarks.Scenarios;

/// <summary>
/// Tokens per minute held near the deployment's quota by the process-wide token budget. The budget is not built yet, so
/// there is nothing to measure: the scenario says so and reports a miss rather than a made-up figure.
/// </summary>
internal sealed class QuotaScenario : IScenario
{
    public string Name => "quota";

    public int DefaultPairs => 2_000;

    public string Goal => "tokens-per-minute-of-quota>=0.9,no-429-storm";

    public Task<Outcome> RunAsync(int pairs, Report report, CancellationToken ct)
    {
        report.Line("not measurable yet: the process-wide LLM token budget (ARCHITECTURE.md, \"LLM\") is not built, so nothing keeps throughput near a tokens-per-minute quota");
        return Task.FromResult(new Outcome($"tokens-per-minute-of-quota[N={pairs}]=n/a", Pass: false));
    }
}
