using System.Net;
using System.Text.Json.Nodes;
using CotPipeline.IntegrationTests.Infrastructure;

namespace CotPipeline.IntegrationTests.LocalHost;

/// <summary>Items rejected up to the strike cap (2 in these tests) go to an adjudicator, who sets the final text or excludes.</summary>
[Collection(LocalHostCollection.Name)]
public sealed class AdjudicationTests(LocalHostFixture host)
{
    private const string BatchId = "adj1";

    [Fact]
    public async Task StrikeCap_AdjudicatorAcceptsOneAndExcludesOther_FinalTextAndReasonRecorded()
    {
        var http = host.Http;
        await http.PostJsonAsync("/api/reviewers", new object[]
        {
            new { id = "adj-r1", name = "R1", email = "r1@example.org", departments = new[] { "adj-dept" }, capacity = 100 },
            new { id = "adj-r2", name = "R2", email = "r2@example.org", departments = new[] { "adj-dept" }, capacity = 100 },
            new { id = "adj-boss", name = "Boss", email = "boss@example.org", departments = new[] { "adj-dept" }, capacity = 100, adjudicator = true },
        });
        var items = string.Join('\n', Api.Item("a1", "adj-dept", "First?"), Api.Item("a2", "adj-dept", "Second?"));
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostJsonlAsync($"/api/batches?batchId={BatchId}", items)).StatusCode);

        for (var round = 1; round <= 2; round++)
        {
            var open = await Api.EventuallyAsync(() => http.OpenAssignmentsAsync(BatchId),
                a => a.Count(x => (int)x["round"]! == round && (string)x["kind"]! == "review") == 4, TimeSpan.FromMinutes(1), $"round {round} assignments");
            foreach (var a in open)
            {
                var response = await http.PostJsonAsync("/api/reviews", Api.Review((string)a["assignmentId"]!, "needs-revision", [3, 2, 3, 3, 2]));
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            }
        }

        var waiting = await Api.EventuallyAsync(() => http.GetNodeAsync($"/api/batches/{BatchId}/items?state=adjudication"),
            n => n["items"]!.AsArray().Count == 2, TimeSpan.FromMinutes(1), "both items at adjudication");
        Assert.All(waiting["items"]!.AsArray(), i => Assert.Equal(2, (int)i!["strikes"]!));
        // The item shows "adjudication" from the round's decision on; its adjudicator is asked in the step after.
        await Api.EventuallyAsync(() => http.GetNodeAsync("/api/assignments?reviewerId=adj-boss"),
            n => n.AsArray().Count(a => (string)a!["kind"]! == "adjudication" && (string)a["batchId"]! == BatchId) == 2, TimeSpan.FromMinutes(1),
            "both items' adjudication assignments");

        Assert.Equal(HttpStatusCode.Accepted, (await http.PostJsonAsync("/api/adjudications", new
        {
            batchId = BatchId, itemId = "a1", adjudicatorId = "adj-boss", decision = "accept",
            finalText = "1. 综合分析病史与检查。\n2. Option B fits every finding.\n3. Therefore the answer is B.",
        })).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostJsonAsync("/api/adjudications", new
        {
            batchId = BatchId, itemId = "a2", adjudicatorId = "adj-boss", decision = "exclude", reason = "The stem is ambiguous.",
        })).StatusCode);
        var twice = await http.PostJsonAsync("/api/adjudications", new { batchId = BatchId, itemId = "a2", adjudicatorId = "adj-boss", decision = "exclude", reason = "Again." });
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);

        var a1 = await Api.EventuallyAsync(() => http.GetNodeAsync($"/api/batches/{BatchId}/items/a1"),
            n => (string)n["state"]! == "verified", TimeSpan.FromMinutes(1), "a1 verified");
        var final = a1["versions"]!.AsArray().Last()!;
        Assert.Equal((3, "human", "adj-boss"), ((int)final["version"]!, (string)final["source"]!, (string)final["authorId"]!));
        Assert.Equal("综合分析病史与检查。", (string)final["steps"]![0]!);
        Assert.Equal(3, (int)a1["finalVersion"]!);
        Assert.True((bool)a1["final"]!["adjudicated"]!);
        Assert.Equal(["llm", "llm-regenerated", "human"], a1["versions"]!.AsArray().Select(v => (string)v!["source"]!));

        var a2 = await Api.EventuallyAsync(() => http.GetNodeAsync($"/api/batches/{BatchId}/items/a2"),
            n => (string)n["state"]! == "excluded", TimeSpan.FromMinutes(1), "a2 excluded");
        Assert.Null(a2["finalVersion"]);
        Assert.Equal("excluded by the adjudicator: The stem is ambiguous.", (string)a2["final"]!["reason"]!);
        Assert.Equal("excluded by the adjudicator: The stem is ambiguous.", (string)a2["reason"]!);
        Assert.Equal(4, ((JsonArray)a2["reviews"]!).Count);
    }
}
