using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Azure.Data.Tables;
using CotPipeline.Benchmarks.Measure;
using CotPipeline.Benchmarks.Seeding;
using CotPipeline.IntegrationTests.Infrastructure;
using CotPipeline.Links;
using CotPipeline.Options;
using CotPipeline.Pages;
using CotPipeline.Storage;

namespace CotPipeline.Benchmarks.Scenarios;

/// <summary>
/// The review page under 50 reviewers working at once against the real local host: each opens their personal links one after
/// another and submits the form; between two requests a reviewer "reads" for 0.5–1.5 s (compressed: a physician takes
/// minutes). Meanwhile the engine runs the rounds the submissions complete. The links are the e-mailed ones, signed here with
/// the host's key and the link id of each assignment (smtp4dev keeps only the last 100 e-mails).
/// </summary>
internal sealed class ReviewPageScenario : IScenario
{
    private const double GoalMilliseconds = 50;
    private const int Reviewers = 50;
    private const string BatchId = "bench-page";

    private static readonly string[] Criteria = [.. RubricOptions.Default().Criteria.Select(c => c.Id)];

    public string Name => "review-page";

    /// <summary>Two reviewers per pair: 500 links, ten per reviewer.</summary>
    public int DefaultPairs => 250;

    public string Goal => $"p95-ms<={GoalMilliseconds:0}(GET,POST)";

    public Task<Outcome> RunAsync(int pairs, Report report, CancellationToken ct)
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var host = new OnDiskHostFixture();
        host.Settings["Api__SchedulePageSize"] = "500";
        host.Settings["ReviewLinks__SigningKey"] = key;
        return Fixtures.WithAsync(host, h => MeasureAsync(h, key, pairs, report, ct));
    }

    private static async Task<Outcome> MeasureAsync(LocalHostFixture host, string key, int pairs, Report report, CancellationToken ct)
    {
        var api = new OperatorApi(host.Http);
        await api.AddReviewersAsync(Reviewers, ct);
        await api.SubmitBatchAsync(BatchId, Pairs.Jsonl(pairs), ct);
        var links = await LinksAsync(host, key, 2 * pairs, TimeSpan.FromMinutes(5 + (pairs / 10.0)), ct);
        var byReviewer = links.GroupBy(l => l.Reviewer).ToList();
        report.Line($"{links.Count:N0} review links of {byReviewer.Count} reviewers");

        using var browser = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 2 * Reviewers, AllowAutoRedirect = false })
        {
            Timeout = TimeSpan.FromMinutes(1),
        };
        foreach (var link in links.Take(3))
        {
            // The first requests pay for code paths used for the first time; no reviewer would see that twice.
            (await browser.GetAsync(new Uri(link.Url), ct)).Dispose();
        }

        // For comparison: pages opened one at a time, nothing else asked of the host.
        var alone = new Latencies("GET alone (1 reviewer, one page at a time)");
        var ignored = new ConcurrentBag<string>();
        foreach (var link in links.Take(20))
        {
            await TimedAsync(alone, ignored, () => browser.GetAsync(new Uri(link.Url), ct), ct);
        }

        report.Line(alone.Describe());
        var gets = new Latencies("GET  /api/review/{token}");
        var posts = new Latencies("POST /api/review/{token}");
        var unexpected = new ConcurrentBag<string>();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(byReviewer.Select((g, k) => ReviewAsync(browser, [.. g.Select(l => l.Url)], new Random(k), gets, posts, unexpected, ct)));
        clock.Stop();

        report.Line($"{Reviewers} reviewers, {gets.Count + posts.Count:N0} requests in {clock.Elapsed.TotalSeconds:0.0} s ({(gets.Count + posts.Count) / clock.Elapsed.TotalSeconds:0.0} requests/s)");
        report.Line(gets.Describe());
        report.Line(posts.Describe());
        report.Line(gets.Slowest(8));
        report.Line(posts.Slowest(8));
        if (!unexpected.IsEmpty)
        {
            report.Line($"{unexpected.Count} unexpected answers, e.g. {unexpected.First()}");
        }

        var (get95, post95) = (gets.Percentile(95), posts.Percentile(95));
        return new Outcome($"p95-ms[N={pairs},reviewers={Reviewers}]=GET:{get95:0.0},POST:{post95:0.0}",
            unexpected.IsEmpty && get95 <= GoalMilliseconds && post95 <= GoalMilliseconds);
    }

    /// <summary>
    /// The local host as it starts by default: over Azurite on disk (in memory it froze for about 5 s every minute, see
    /// <see cref="AzuriteFixture.OnDisk"/>), the task hub in an Azurite of its own (<c>COTBENCH_OneAzurite=true</c>: one for both).
    /// </summary>
    private sealed class OnDiskHostFixture() : LocalHostFixture(AzuriteFixture.OnDisk(),
        Fixtures.OneAzurite ? null : AzuriteFixture.OnDisk());

    /// <summary>A review link and the reviewer it was sent to.</summary>
    private sealed record Link(string Reviewer, string Url);

    /// <summary>Waits until <paramref name="expected"/> assignments of the batch have a link id, then signs each one's link.</summary>
    private static async Task<List<Link>> LinksAsync(LocalHostFixture host, string key, int expected, TimeSpan timeout, CancellationToken ct)
    {
        var store = StorageServiceCollectionExtensions.Create(new StorageOptions { ConnectionString = host.Azurite.ConnectionString });
        var signer = new ReviewLinkSigner(Microsoft.Extensions.Options.Options.Create(
            new ReviewLinkOptions { SigningKey = key, PublicBaseUrl = $"http://127.0.0.1:{host.ApiPort}" }));
        var filter = TableClient.CreateQueryFilter($"BatchId eq {BatchId} and Status eq {AssignmentStatus.Open}");
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var rows = new List<AssignmentRow>();
            await foreach (var row in store.Assignments.QueryAsync<AssignmentRow>(filter, cancellationToken: ct))
            {
                rows.Add(row);
            }

            var linked = rows.Where(r => r.LinkId is not null).ToList();
            if (linked.Count >= expected)
            {
                return [.. linked.Select(r => new Link(r.PartitionKey, signer.Url(new ReviewLink(
                    new AssignmentId(r.BatchId, r.ItemId, r.Round, r.PartitionKey), r.LinkExpiresAt ?? DateTimeOffset.UtcNow.AddDays(1), r.LinkId!))))];
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Only {linked.Count} of {expected} review links were e-mailed within {timeout.TotalMinutes:0} minutes.");
            }

            await Task.Delay(1000, ct);
        }
    }

    /// <summary>One reviewer: for each link, open the page, read, submit the scored form, read on.</summary>
    private static async Task ReviewAsync(
        HttpClient browser, List<string> links, Random think, Latencies gets, Latencies posts, ConcurrentBag<string> unexpected, CancellationToken ct)
    {
        await Task.Delay(think.Next(0, 1000), ct);
        foreach (var link in links)
        {
            await TimedAsync(gets, unexpected, () => browser.GetAsync(new Uri(link), ct), ct);
            await Task.Delay(think.Next(500, 1500), ct);
            using var form = new FormUrlEncodedContent(Criteria.Select(c => KeyValuePair.Create(FormFields.ScorePrefix + c, "5"))
                .Append(KeyValuePair.Create(FormFields.Verdict, FormFields.Accept)));
            await TimedAsync(posts, unexpected, () => browser.PostAsync(new Uri(link), form, ct), ct);
            await Task.Delay(think.Next(500, 1500), ct);
        }
    }

    /// <summary>The time to the whole page (body read), as the reviewer waits for it.</summary>
    private static async Task TimedAsync(Latencies into, ConcurrentBag<string> unexpected, Func<Task<HttpResponseMessage>> send, CancellationToken ct)
    {
        var sentAt = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        using var response = await send();
        var body = await response.Content.ReadAsStringAsync(ct);
        into.Add(clock.Elapsed, sentAt);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            unexpected.Add($"{(int)response.StatusCode} {body[..Math.Min(body.Length, 200)]}");
        }
    }
}
