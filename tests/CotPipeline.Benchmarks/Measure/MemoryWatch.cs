using System.Diagnostics;

namespace CotPipeline.Benchmarks.Measure;

/// <summary>
/// The peak resident memory of a process (this one or a child) over a stretch of a scenario. On Linux the kernel's own
/// high-water mark (<c>VmHWM</c>) is reset at the start by writing 5 to <c>/proc/{pid}/clear_refs</c>, so the peak is exact;
/// elsewhere, or when the reset is refused, the resident size is sampled every 20 ms instead.
/// </summary>
internal sealed class MemoryWatch : IAsyncDisposable
{
    private const double MiB = 1024 * 1024;

    private readonly int _pid;
    private readonly bool _kernelPeak;
    private readonly bool _self;
    private readonly long _allocatedAtStart;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampler;
    private long _sampledPeak;
    private long _managedPeak;

    private MemoryWatch(int pid)
    {
        _pid = pid;
        _self = pid == Environment.ProcessId;
        if (_self)
        {
            // Start from what is live now, not from garbage left by the set-up (seeding, parsing).
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        StartBytes = Resident();
        _allocatedAtStart = _self ? GC.GetTotalAllocatedBytes(precise: true) : 0;
        _kernelPeak = TryResetPeak(pid);
        _sampler = SampleAsync(_stop.Token);
    }

    public static MemoryWatch Start(int pid) => new(pid);

    /// <summary>Resident memory when the watch started.</summary>
    public long StartBytes { get; }

    /// <summary>The highest resident memory since the start.</summary>
    public long PeakBytes => Math.Max(_sampledPeak, _kernelPeak ? Status("VmHWM:") : 0);

    /// <summary>The largest managed heap seen (this process only).</summary>
    public long ManagedPeakBytes => _managedPeak;

    /// <summary>Bytes allocated on the managed heap since the start (this process only).</summary>
    public long AllocatedBytes => _self ? GC.GetTotalAllocatedBytes(precise: true) - _allocatedAtStart : 0;

    public string Describe() =>
        $"peak resident {PeakBytes / MiB:0} MiB (at start {StartBytes / MiB:0} MiB, {(_kernelPeak ? "kernel high-water mark" : "sampled every 20 ms")})"
        + (_self ? $", peak managed heap {ManagedPeakBytes / MiB:0} MiB, allocated {AllocatedBytes / MiB:N0} MiB in all" : "");

    public double PeakMiB => PeakBytes / MiB;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampler;
        _stop.Dispose();
    }

    /// <summary>Stops sampling; the figures stay readable.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _sampler;
    }

    private async Task SampleAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            _sampledPeak = Math.Max(_sampledPeak, Resident());
            if (_self)
            {
                _managedPeak = Math.Max(_managedPeak, GC.GetTotalMemory(forceFullCollection: false));
            }

            try
            {
                await Task.Delay(20, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private long Resident()
    {
        var rss = Status("VmRSS:");
        if (rss > 0)
        {
            return rss;
        }

        using var process = Process.GetProcessById(_pid);
        return process.WorkingSet64;
    }

    private static bool TryResetPeak(int pid)
    {
        try
        {
            File.WriteAllText($"/proc/{pid}/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>A "kB" line of <c>/proc/{pid}/status</c>, in bytes; 0 where there is no such file.</summary>
    private long Status(string key)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{_pid}/status"))
            {
                if (line.StartsWith(key, StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(key.Length).Trim().TrimEnd("kB").Trim()) * 1024;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return 0;
    }
}
