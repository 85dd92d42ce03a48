using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using CotPipeline.Benchmarks.Measure;
using CotPipeline.Benchmarks.Seeding;
using CotPipeline.IntegrationTests.Infrastructure;
using CotPipeline.Options;
using CotPipeline.Pages;

namespace CotPipeline.Benchmarks.Scenarios;

/// <summary>
/// The review page under 50 reviewers working at once against the real local host: each opens the personal links e-mailed to
/// them (read back from smtp4dev), one after another, and submits the form; between two requests a reviewer "reads" for
/// 0.5–1.5 s (compressed: a physician takes minutes). Meanwhile the engine runs the rounds the submissions complete.
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
        var host = new LocalHostFixture();
        host.Settings["Api__SchedulePageSize"] = "500";
        return Fixtures.WithAsync(host, h => MeasureAsync(h, pairs, report, ct));
    }

    private static async Task<Outcome> MeasureAsync(LocalHostFixture host, int pairs, Report report, CancellationToken ct)
    {
        var api = new OperatorApi(host.Http);
        await api.AddReviewersAsync(Reviewers, ct);
        await api.SubmitBatchAsync(BatchId, Pairs.Jsonl(pairs), ct);
        var links = await ReviewInbox.LinksAsync(host.Smtp, 2 * pairs, TimeSpan.FromMinutes(5 + (pairs / 20.0)), ct);
        var byReviewer = links.GroupBy(l => l.To).ToList();
        report.Line($"{links.Count:N0} review e-mails with links to {byReviewer.Count} reviewers");

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
        if (!unexpected.IsEmpty)
        {
            report.Line($"{unexpected.Count} unexpected answers, e.g. {unexpected.First()}");
        }

        var (get95, post95) = (gets.Percentile(95), posts.Percentile(95));
        return new Outcome($"p95-ms[N={pairs},reviewers={Reviewers}]=GET:{get95:0.0},POST:{post95:0.0}",
            unexpected.IsEmpty && get95 <= GoalMilliseconds && post95 <= GoalMilliseconds);
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
        var clock = Stopwatch.StartNew();
        using var response = await send();
        var body = await response.Content.ReadAsStringAsync(ct);
        into.Add(clock.Elapsed);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            unexpected.Add($"{(int)response.StatusCode} {body[..Math.Min(body.Length, 200)]}");
        }
    }
}
