using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CotPipeline.Activities;
using CotPipeline.IntegrationTests.Infrastructure;
using CotPipeline.Links;
using CotPipeline.Models;
using CotPipeline.Options;
using CotPipeline.Storage;

namespace CotPipeline.IntegrationTests.LocalHost;

/// <summary>
/// The reviewer's and the adjudicator's pages over HTTP, reached from the e-mails smtp4dev received, without an operator key:
/// each kind of bad link gets its own page and changes nothing; a late review is kept, not counted; the adjudicator decides.
/// </summary>
[Collection(LocalHostCollection.Name)]
public sealed partial class ReviewPageTests(LocalHostFixture host) : IDisposable
{
    /// <summary>A reviewer's browser: no operator key, no cookies.</summary>
    private readonly HttpClient _browser = new() { Timeout = TimeSpan.FromMinutes(1) };

    public void Dispose() => _browser.Dispose();

    /// <summary>Registers <paramref name="reviewers"/> for a department of this test, submits one item, and waits for their e-mails.</summary>
    private async Task<Dictionary<string, string>> ItemWithLinksAsync(string batchId, string department, string[] reviewers, string question = "Which option? 哪个选项？")
    {
        await host.Http.PostJsonAsync("/api/reviewers", reviewers.Select(r => new
        {
            id = r, name = $"Dr. {r}", email = $"{r}@example.org", departments = new[] { department }, capacity = 100,
            adjudicator = r.EndsWith("-adj", StringComparison.Ordinal),
        }).ToArray());
        Assert.Equal(HttpStatusCode.Accepted, (await host.Http.PostJsonlAsync($"/api/batches?batchId={batchId}", Api.Item("x1", department, question))).StatusCode);
        var links = new Dictionary<string, string>();
        foreach (var reviewer in reviewers.Where(r => !r.EndsWith("-adj", StringComparison.Ordinal)).Take(2))
        {
            links[reviewer] = await LinkInMailAsync(reviewer, "Review request");
        }

        return links;
    }

    private async Task<string> LinkInMailAsync(string reviewer, string subjectStart)
    {
        var summary = await Api.EventuallyAsync(async () => (await host.Smtp.MessagesToAsync($"{reviewer}@example.org"))
                .FirstOrDefault(m => m.Subject.StartsWith(subjectStart, StringComparison.Ordinal)),
            m => m is not null, TimeSpan.FromMinutes(1), $"an e-mail \"{subjectStart}…\" to {reviewer}");
        var message = await host.Smtp.LoadAsync(summary!.Id);
        return Smtp4devFixture.ReviewLinkIn(message);
    }

    private static FormUrlEncodedContent Form(string verdict, int[] scores, params (string Key, string Value)[] extra) =>
        new(Api.Criteria.Select((c, i) => KeyValuePair.Create($"score.{c}", scores[i].ToString()))
            .Append(KeyValuePair.Create("verdict", verdict))
            .Concat(extra.Select(e => KeyValuePair.Create(e.Key, e.Value))));

    private async Task<(HttpStatusCode Status, string Html)> GetAsync(string url)
    {
        var response = await _browser.GetAsync(new Uri(url));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<(HttpStatusCode Status, string Html)> PostAsync(string url, HttpContent form)
    {
        var response = await _browser.PostAsync(new Uri(url), form);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A signer with the local host's development key (from the appsettings.json it runs with), making links like the e-mailed <paramref name="sample"/>.</summary>
    private static ReviewLinkSigner SignerWithTheHostsKey(string sample)
    {
        var settings = JsonNode.Parse(File.ReadAllText(RepoPaths.BuildOutput("CotLocal", "appsettings.json")))!;
        return new ReviewLinkSigner(Microsoft.Extensions.Options.Options.Create(new ReviewLinkOptions
        {
            SigningKey = (string)settings["ReviewLinks"]!["SigningKey"]!,
            PublicBaseUrl = sample[..sample.IndexOf("/api/review/", StringComparison.Ordinal)],
        }));
    }

    private CotStore Store() => StorageServiceCollectionExtensions.Create(new StorageOptions { ConnectionString = host.Azurite.ConnectionString });

    [Fact]
    public async Task ReviewLink_ForgedExpiredReplacedOrMalformed_EachGetsItsPageAndNothingChanges()
    {
        var links = await ItemWithLinksAsync("pg-bad", "pg-bad-dept", ["pg-bad-a", "pg-bad-b"]);
        var good = links["pg-bad-a"];
        var signer = SignerWithTheHostsKey(good);
        var prefix = good[..(good.LastIndexOf('/') + 1)];
        var genuine = signer.Verify(good[(good.LastIndexOf('/') + 1)..], DateTimeOffset.UtcNow);
        Assert.Equal(LinkStatus.Valid, genuine.Status);
        var assignment = genuine.Link!.Assignment;

        var cases = new (string Url, HttpStatusCode Status, string Says)[]
        {
            (signer.Url(genuine.Link with { ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) }), HttpStatusCode.Gone, "expired"),
            (signer.Url(genuine.Link with { LinkId = "someOtherLinkId" }), HttpStatusCode.Gone, "newer link"),
            (signer.Url(genuine.Link with { Assignment = assignment with { ItemId = "nope" } }), HttpStatusCode.NotFound, ""),
            (TamperSignature(good), HttpStatusCode.Forbidden, "not valid"),
            (prefix + "not-a-token", HttpStatusCode.BadRequest, ""),
            (prefix + new string('A', 5000), HttpStatusCode.BadRequest, ""),
        };
        foreach (var (url, status, says) in cases)
        {
            var (got, html) = await GetAsync(url);
            Assert.True(got == status, $"{url}: {(int)got}, expected {(int)status}");
            Assert.Contains(says, html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("<form", html, StringComparison.Ordinal);
            var (posted, _) = await PostAsync(url, Form("accept", [5, 5, 5, 5, 5]));
            Assert.Equal(status, posted);
        }

        var open = await host.Http.OpenAssignmentsAsync("pg-bad");
        Assert.Equal(2, open.Count);
        Assert.Empty((await host.Http.GetNodeAsync("/api/batches/pg-bad/items/x1"))["reviews"]!.AsArray());
        var (ok, page) = await GetAsync(good);
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.Contains("哪个选项？", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReviewForm_IncompleteThenComplete_ErrorsKeepTheTextThenConfirmedOnceAndCounted()
    {
        var links = await ItemWithLinksAsync("pg-form", "pg-form-dept", ["pg-form-a", "pg-form-b"]);
        var link = links["pg-form-a"];

        var (status, html) = await PostAsync(link, new FormUrlEncodedContent([KeyValuePair.Create("comment.general", "我的意见 keep <me>")]));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Contains("Choose a verdict", html, StringComparison.Ordinal);
        Assert.Contains("Choose a score for “Medical correctness”", html, StringComparison.Ordinal);
        Assert.Contains("我的意见 keep &lt;me&gt;", html, StringComparison.Ordinal);
        Assert.Equal(2, (await host.Http.OpenAssignmentsAsync("pg-form")).Count);

        (status, html) = await PostAsync(link, Form("accept", [5, 4, 4, 5, 4], ("comment.medical_correctness", "Correct.")));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("your review is recorded", html, StringComparison.Ordinal);

        (status, html) = await PostAsync(link, Form("needs-revision", [1, 1, 1, 1, 1]));
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("already", html, StringComparison.OrdinalIgnoreCase);
        var item = await host.Http.GetNodeAsync("/api/batches/pg-form/items/x1");
        var review = Assert.Single(item["reviews"]!.AsArray())!;
        Assert.True((bool)review["counted"]!);
        Assert.Equal("accept", (string)review["review"]!["verdict"]!);
        Assert.Equal("Correct.", (string)review["review"]!["comments"]!["medical_correctness"]!);
        Assert.Null(review["review"]!["rewrite"]);
    }

    [Fact]
    public async Task ReviewPage_OpenedFiftyTimes_SameFormEachTimeAndTheTokenNeverInTheHostsLog()
    {
        var links = await ItemWithLinksAsync("pg-many", "pg-many-dept", ["pg-many-a", "pg-many-b"]);
        var link = links["pg-many-a"];
        var (_, first) = await GetAsync(link);
        var times = new List<double>();
        for (var i = 0; i < 50; i++)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var (status, html) = await GetAsync(link);
            times.Add(clock.Elapsed.TotalMilliseconds);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(first, html);
        }

        Assert.Equal(2, (await host.Http.OpenAssignmentsAsync("pg-many")).Count);
        var token = link[(link.LastIndexOf('/') + 1)..];
        Assert.DoesNotContain(token, host.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(token[..40], host.Output, StringComparison.Ordinal);
        times.Sort();
        Figures.Write($"review page GET through CotLocal, 50 sequential requests: median {times[24]:0.0} ms, p95 {times[47]:0.0} ms, {first.Length / 1024.0:0.0} KB");
    }

    [Fact]
    public async Task ReassignedLink_PageSaysReassigned_ALatePostIsKeptButNotCounted()
    {
        var links = await ItemWithLinksAsync("pg-late", "pg-late-dept", ["pg-late-a", "pg-late-b"]);
        // What the orchestrator does when the deadline and the reminders have passed.
        await new CloseAssignments(Store()).RunAsync(new CloseAssignmentsInput("pg-late", "x1", 1, ["pg-late-a"]));

        var (status, html) = await GetAsync(links["pg-late-a"]);
        Assert.Equal(HttpStatusCode.Gone, status);
        Assert.Contains("another reviewer", html, StringComparison.Ordinal);

        (status, html) = await PostAsync(links["pg-late-a"], Form("accept", [5, 5, 5, 5, 5]));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("not counted", html, StringComparison.Ordinal);
        var review = Assert.Single((await host.Http.GetNodeAsync("/api/batches/pg-late/items/x1"))["reviews"]!.AsArray())!;
        Assert.False((bool)review["counted"]!);
        Assert.Equal("in-review", (string)(await host.Http.GetNodeAsync("/api/batches/pg-late/items/x1"))["state"]!);
    }

    [Fact]
    public async Task ReviewPost_WrongTypeOrOversized_RefusedAndNothingStored()
    {
        var links = await ItemWithLinksAsync("pg-size", "pg-size-dept", ["pg-size-a", "pg-size-b"]);
        var link = links["pg-size-a"];

        var (status, _) = await PostAsync(link, new StringContent("{\"verdict\":\"accept\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        (status, var html) = await PostAsync(link, Form("accept", [5, 5, 5, 5, 5], ("comment.general", new string('x', 300 * 1024))));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("too long", html, StringComparison.Ordinal);

        Assert.Empty((await host.Http.GetNodeAsync("/api/batches/pg-size/items/x1"))["reviews"]!.AsArray());
        Assert.Equal(2, (await host.Http.OpenAssignmentsAsync("pg-size")).Count);
    }

    [Fact]
    public async Task AdjudicationPage_FromTheEmail_ShowsEveryVersionAndReviewAndExcludesWithAReason()
    {
        string[] reviewers = ["pg-adj-a", "pg-adj-b", "pg-adj-adj"];
        await ItemWithLinksAsync("pg-adj", "pg-adj-dept", reviewers);
        for (var round = 1; round <= 2; round++)
        {
            var open = await Api.EventuallyAsync(() => host.Http.OpenAssignmentsAsync("pg-adj"),
                a => a.Count(x => (int)x["round"]! == round && (string)x["kind"]! == "review") == 2, TimeSpan.FromMinutes(1), $"round {round} assignments");
            foreach (var a in open)
            {
                var comment = new Dictionary<string, string> { ["reasoning_structure"] = $"Round {round}: the steps skip the ECG." };
                Assert.Equal(HttpStatusCode.Accepted, (await host.Http.PostJsonAsync("/api/reviews",
                    Api.Review((string)a["assignmentId"]!, "needs-revision", [3, 2, 3, 3, 2], comments: comment))).StatusCode);
            }
        }

        var link = await LinkInMailAsync("pg-adj-adj", "Adjudication request");
        var (status, html) = await GetAsync(link);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("Round 1: the steps skip the ECG.", html, StringComparison.Ordinal);
        Assert.Contains("Round 2: the steps skip the ECG.", html, StringComparison.Ordinal);
        Assert.Contains("regenerated by the model", html, StringComparison.Ordinal);

        (status, html) = await PostAsync(link, new FormUrlEncodedContent([KeyValuePair.Create("decision", "exclude")]));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Contains("reason", html, StringComparison.OrdinalIgnoreCase);

        (status, html) = await PostAsync(link, new FormUrlEncodedContent([
            KeyValuePair.Create("decision", "exclude"), KeyValuePair.Create("reason", "题干有歧义 — the stem is ambiguous.")]));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("excluded", html, StringComparison.Ordinal);

        var item = await Api.EventuallyAsync(() => host.Http.GetNodeAsync("/api/batches/pg-adj/items/x1"),
            n => (string)n["state"]! == "excluded", TimeSpan.FromMinutes(1), "the item excluded");
        Assert.Equal("excluded by the adjudicator: 题干有歧义 — the stem is ambiguous.", (string)item["reason"]!);
        (status, _) = await GetAsync(link);
        Assert.Equal(HttpStatusCode.Conflict, status);
    }

    /// <summary>The link with one character of its signature changed (to another that keeps the encoding canonical).</summary>
    private static string TamperSignature(string url)
    {
        var i = url.LastIndexOf('.') + 3;
        return url[..i] + (url[i] == 'A' ? 'B' : 'A') + url[(i + 1)..];
    }
}
