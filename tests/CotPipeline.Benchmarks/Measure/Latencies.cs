using System.Collections.Concurrent;

namespace CotPipeline.Benchmarks.Measure;

/// <summary>Response times of one kind of request, collected from many concurrent callers, with when each was sent.</summary>
internal sealed class Latencies(string name)
{
    private readonly ConcurrentBag<(double Milliseconds, DateTime SentAt)> _requests = [];

    public void Add(TimeSpan elapsed, DateTime sentAt) => _requests.Add((elapsed.TotalMilliseconds, sentAt));

    public int Count => _requests.Count;

    /// <summary>Nearest-rank percentile, in milliseconds.</summary>
    public double Percentile(double p)
    {
        var sorted = _requests.Select(r => r.Milliseconds).Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    public string Describe() =>
        $"{name}: {Count:N0} requests, p50 {Percentile(50):0.0} ms, p95 {Percentile(95):0.0} ms, p99 {Percentile(99):0.0} ms, max {Percentile(100):0.0} ms";

    /// <summary>The slowest requests and when they were sent (UTC), to set beside the servers' own logs: a stall shows as several sent together.</summary>
    public string Slowest(int count) =>
        $"{name}: slowest sent at " + string.Join(", ", _requests.OrderByDescending(r => r.Milliseconds).Take(count)
            .OrderBy(r => r.SentAt).Select(r => $"{r.SentAt:HH:mm:ss.f} ({r.Milliseconds:0} ms)"));
}
