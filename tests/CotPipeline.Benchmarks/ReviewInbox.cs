using System.Diagnostics;
using System.Net.Http.Json;
using CotPipeline.IntegrationTests.Infrastructure;

namespace CotPipeline.Benchmarks;

/// <summary>The personal review links the host e-mailed, read back from smtp4dev's REST API (<c>api/messages</c>, paged).</summary>
internal static class ReviewInbox
{
    private const int PageSize = 500;

    /// <summary>A review link and the reviewer it was sent to.</summary>
    public sealed record Link(string To, string Url);

    /// <summary>Waits for <paramref name="expected"/> e-mails, then returns the link in each.</summary>
    public static async Task<List<Link>> LinksAsync(Smtp4devFixture smtp, int expected, TimeSpan timeout, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while ((await PageAsync(smtp, 1, 1, ct)).RowCount < expected)
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Fewer than {expected} review e-mails arrived within {timeout.TotalMinutes:0} minutes.");
            }

            await Task.Delay(500, ct);
        }

        var messages = new List<Smtp4devFixture.MessageSummary>();
        for (var page = 1; ; page++)
        {
            var results = (await PageAsync(smtp, page, PageSize, ct)).Results;
            messages.AddRange(results);
            if (results.Count < PageSize)
            {
                break;
            }
        }

        var links = new List<Link>();
        await Parallel.ForEachAsync(messages, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (m, _) =>
        {
            var url = Smtp4devFixture.ReviewLinkIn(await smtp.LoadAsync(m.Id));
            lock (links)
            {
                links.Add(new Link(m.To.Single(), url));
            }
        });
        return links;
    }

    private static async Task<Page> PageAsync(Smtp4devFixture smtp, int page, int size, CancellationToken ct) =>
        await smtp.Api.GetFromJsonAsync<Page>($"api/messages?page={page}&pageSize={size}", ct)
        ?? throw new InvalidOperationException("smtp4dev answered /api/messages with nothing.");

    private sealed record Page(IReadOnlyList<Smtp4devFixture.MessageSummary> Results, int RowCount);
}
