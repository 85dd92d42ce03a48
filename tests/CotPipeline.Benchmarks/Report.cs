namespace CotPipeline.Benchmarks;

/// <summary>The lines a scenario prints before its RESULT line, each tagged with the scenario and the time since it started.</summary>
internal sealed class Report(string scenario)
{
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    public void Line(string text) => Console.WriteLine($"[{scenario} {_clock.Elapsed.TotalSeconds,6:0.0}s] {text}");
}
