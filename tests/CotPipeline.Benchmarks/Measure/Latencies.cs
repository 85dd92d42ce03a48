using System.Collections.Concurrent;

namespace CotPipeline.Benchmarks.Measure;

/// <summary>Response times of one kind of request, collected from many concurrent callers.</summary>
internal sealed class Latencies(string name)
{
    private readonly ConcurrentBag<double> _milliseconds = [];

    public void Add(TimeSpan elapsed) => _milliseconds.Add(elapsed.TotalMilliseconds);

    public int Count => _milliseconds.Count;

    /// <summary>Nearest-rank percentile, in milliseconds.</summary>
    public double Percentile(double p)
    {
        var sorted = _milliseconds.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    public string Describe() =>
        $"{name}: {Count:N0} requests, p50 {Percentile(50):0.0} ms, p95 {Percentile(95):0.0} ms, p99 {Percentile(99):0.0} ms, max {Percentile(100):0.0} ms";
}
