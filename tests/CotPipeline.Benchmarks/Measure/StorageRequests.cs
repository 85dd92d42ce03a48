using System.Collections.Concurrent;
using System.Diagnostics;

using CotPipeline.IntegrationTests.Infrastructure;

namespace CotPipeline.Benchmarks.Measure;

/// <summary>
/// Counts the HTTP requests this process sends to the storage emulator, by service and resource (table, queue, blob container),
/// from the activities <c>HttpClient</c> starts for every request (ActivitySource "System.Net.Http"): the engine's and the
/// pipeline's alike, with no change to either. Unlike a time, a count does not move with the machine's load, so it shows where
/// the emulator's work goes even on a busy machine.
/// </summary>
internal sealed class StorageRequests : IDisposable
{
    private readonly Dictionary<int, string> _services;
    private readonly ActivityListener _listener;
    private ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    /// <summary>Counts the requests to each of <paramref name="emulators"/>; with more than one, each line names its emulator.</summary>
    public StorageRequests(params (string Name, AzuriteFixture Azurite)[] emulators)
    {
        _services = [];
        foreach (var (name, azurite) in emulators)
        {
            var prefix = emulators.Length > 1 ? $"{name} " : "";
            _services[azurite.BlobPort] = $"{prefix}blob";
            _services[azurite.QueuePort] = $"{prefix}queue";
            _services[azurite.TablePort] = $"{prefix}table";
        }

        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "System.Net.Http",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = Count,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The counts since the last call, and starts counting afresh.</summary>
    public IReadOnlyDictionary<string, int> Take() => Interlocked.Exchange(ref _counts, new(StringComparer.Ordinal));

    /// <summary>One line per resource, most requests first, as requests per <paramref name="per"/> (an item).</summary>
    public static IEnumerable<string> Describe(IReadOnlyDictionary<string, int> counts, int per, int top = 14)
    {
        var total = counts.Values.Sum();
        yield return $"{total:N0} storage requests, {total / (double)per:0.0} per item";
        foreach (var (resource, count) in counts.OrderByDescending(c => c.Value).Take(top))
        {
            yield return $"  {count / (double)per,6:0.00} per item  {resource}";
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Count(Activity request)
    {
        if (request.GetTagItem("url.full") is not string url || !Uri.TryCreate(url, UriKind.Absolute, out var uri)
            || !_services.TryGetValue(uri.Port, out var service))
        {
            return;
        }

        // /{account}/{resource}[(keys)|/...]: the table, queue or container; a table transaction is "$batch".
        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var resource = segments.Length > 1 ? segments[1].Split('(')[0] : "(account)";
        if (service.EndsWith("queue", StringComparison.Ordinal))
        {
            // Queue names carry the partition number: count the engine's control queues as one.
            resource = resource.TrimEnd('0', '1', '2', '3', '4', '5', '6', '7', '8', '9');
        }

        var method = request.GetTagItem("http.request.method") as string ?? "?";
        _counts.AddOrUpdate($"{service} {method} {resource}", 1, (_, n) => n + 1);
    }
}
