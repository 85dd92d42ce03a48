using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http;
using System.Text.RegularExpressions;

namespace CotPipeline.Benchmarks.Measure;

/// <summary>
/// Counts the Azure Storage SDK operations this process starts, by operation name (from the SDK's diagnostic scopes), and the
/// requests they send by operation and target: the table (and for a row of an Items partition that is not an item, the kind of row:
/// <c>~counts</c>, <c>~idle</c> …), or the kind of blob path (ids replaced by <c>*</c>, numbers by <c>#</c>). A request answered
/// with an error status is counted again under its target and status (<c>… 404</c>: reads of what is not there), and an operation
/// that threw under "… threw" (a refused transaction shows there: its HTTP answer is 202).
/// </summary>
internal sealed partial class StorageCalls : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _byTarget = new(StringComparer.Ordinal);
    private readonly List<IDisposable> _subscriptions = [];
    private readonly IDisposable _all;

    public StorageCalls() => _all = DiagnosticListener.AllListeners.Subscribe(this);

    public IReadOnlyDictionary<string, int> Counts => _counts;

    /// <summary>Requests by "operation target", e.g. "TableClient.GetEntityIfExists CotItems" or "BlobClient.Upload items/*/*/v#.json".</summary>
    public IReadOnlyDictionary<string, int> ByTarget => _byTarget;

    public int Total => _counts.Values.Sum();

    public void OnNext(DiagnosticListener listener)
    {
        if (listener.Name.StartsWith("Azure.Storage", StringComparison.Ordinal) || listener.Name.StartsWith("Azure.Data.Tables", StringComparison.Ordinal)
            || listener.Name == "HttpHandlerDiagnosticListener")
        {
            lock (_subscriptions)
            {
                _subscriptions.Add(listener.Subscribe(this, (string _) => true));
            }
        }
    }

    public void OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Key == "System.Net.Http.HttpRequestOut.Start")
        {
            // The request's activity is a child of the SDK operation's.
            if (value.Value?.GetType().GetProperty("Request")?.GetValue(value.Value) is HttpRequestMessage { RequestUri: { } uri }
                && Activity.Current?.Parent is { } operation && _counts.ContainsKey(operation.OperationName))
            {
                _byTarget.AddOrUpdate($"{operation.OperationName} {Target(uri)}", 1, (_, n) => n + 1);
            }
        }
        else if (value.Key == "System.Net.Http.HttpRequestOut.Stop")
        {
            if (value.Value?.GetType().GetProperty("Response")?.GetValue(value.Value) is HttpResponseMessage { StatusCode: >= System.Net.HttpStatusCode.BadRequest } response
                && response.RequestMessage?.RequestUri is { } uri && Activity.Current?.Parent is { } operation && _counts.ContainsKey(operation.OperationName))
            {
                _byTarget.AddOrUpdate($"{operation.OperationName} {Target(uri)} {(int)response.StatusCode}", 1, (_, n) => n + 1);
            }
        }
        else if (value.Key.EndsWith(".Start", StringComparison.Ordinal) && !value.Key.StartsWith("System.Net", StringComparison.Ordinal))
        {
            _counts.AddOrUpdate(value.Key[..^".Start".Length], 1, (_, n) => n + 1);
        }
        else if (value.Key.EndsWith(".Exception", StringComparison.Ordinal) && !value.Key.StartsWith("System.Net", StringComparison.Ordinal))
        {
            // An operation that threw: a transaction refused over one of its rows shows here (its HTTP answer is 202).
            _byTarget.AddOrUpdate($"{value.Key[..^".Exception".Length]} threw", 1, (_, n) => n + 1);
        }
    }

    /// <summary>The table (first path segment after the account) or the blob path with its ids and numbers left out.</summary>
    private static string Target(Uri uri)
    {
        var segments = Uri.UnescapeDataString(uri.AbsolutePath).Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length < 2)
        {
            return "";
        }

        if (segments.Length == 2)
        {
            // A table: "Items(PartitionKey='…',RowKey='…')", "Items()" or "$batch"; a row key "~idle-…" adds " ~idle".
            var paren = segments[1].IndexOf('(');
            if (paren < 0)
            {
                return segments[1];
            }

            var row = segments[1].IndexOf("RowKey='~", StringComparison.Ordinal);
            var kind = row < 0 ? "" : " " + segments[1][(row + "RowKey='".Length)..].Split('-', '\'')[0];
            return segments[1][..paren] + kind;
        }

        // A blob, after its container: the ids of batch and item (and a mail marker's assignment) become "*".
        var path = segments[2..];
        var ids = path[0] switch
        {
            "items" => 2,
            "batches" or "exports" => 1,
            _ => 0,
        };
        var rest = string.Join('/', path[(1 + Math.Min(ids, path.Length - 1))..]);
        if (path[0] == "mail")
        {
            // mail/{batch}.{item}.{round}.{reviewer}.sent, or ….reminder-{n}.sent
            var parts = rest.Split('.');
            rest = string.Join('.', ["*", .. parts.Skip(4)]);
        }

        return string.Join('/', [path[0], .. Enumerable.Repeat("*", Math.Min(ids, path.Length - 1)), Digits().Replace(rest, "#")]);
    }

    [GeneratedRegex(@"\d+")]
    private static partial Regex Digits();

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
