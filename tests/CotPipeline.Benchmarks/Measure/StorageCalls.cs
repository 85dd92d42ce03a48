using System.Collections.Concurrent;
using System.Diagnostics;

namespace CotPipeline.Benchmarks.Measure;

/// <summary>Counts the Azure Storage SDK operations this process starts, by operation name (from the SDK's diagnostic scopes).</summary>
internal sealed class StorageCalls : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly List<IDisposable> _subscriptions = [];
    private readonly IDisposable _all;

    public StorageCalls() => _all = DiagnosticListener.AllListeners.Subscribe(this);

    public IReadOnlyDictionary<string, int> Counts => _counts;

    public int Total => _counts.Values.Sum();

    public void OnNext(DiagnosticListener listener)
    {
        if (listener.Name.StartsWith("Azure.Storage", StringComparison.Ordinal) || listener.Name.StartsWith("Azure.Data.Tables", StringComparison.Ordinal))
        {
            lock (_subscriptions)
            {
                _subscriptions.Add(listener.Subscribe(this, (string _) => true));
            }
        }
    }

    public void OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Key.EndsWith(".Start", StringComparison.Ordinal))
        {
            _counts.AddOrUpdate(value.Key[..^".Start".Length], 1, (_, n) => n + 1);
        }
    }

    public void OnCompleted()
    {
    }

    public void OnError(Exception error)
    {
    }

    public void Dispose()
    {
        _all.Dispose();
        lock (_subscriptions)
        {
            _subscriptions.ForEach(s => s.Dispose());
        }
    }
}
