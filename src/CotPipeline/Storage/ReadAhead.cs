using System.Runtime.CompilerServices;
using Azure;

namespace CotPipeline.Storage;

/// <summary>Reads a query's rows one page ahead of the caller.</summary>
public static class ReadAhead
{
    /// <summary>
    /// The rows of <paramref name="query"/>, in its order, with the next page already asked for while the caller works through
    /// the current one: storage serves a page while the caller handles the last, instead of each waiting for the other. At most
    /// two pages are held at once.
    /// </summary>
    public static async IAsyncEnumerable<T> PagesAheadAsync<T>(this AsyncPageable<T> query, [EnumeratorCancellation] CancellationToken ct = default)
        where T : notnull
    {
        var pages = query.AsPages().GetAsyncEnumerator(ct);
        var next = pages.MoveNextAsync().AsTask();
        try
        {
            while (await next)
            {
                // A page asked for before the caller cancelled may still arrive: it is not handed out.
                ct.ThrowIfCancellationRequested();
                var page = pages.Current;
                next = pages.MoveNextAsync().AsTask();
                foreach (var row in page.Values)
                {
                    yield return row;
                }
            }
        }
        finally
        {
            // A caller that stops early (or fails) leaves a page in flight: let it finish, unobserved, before the pages go.
            await ((Task)next).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await pages.DisposeAsync();
        }
    }
}
