using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using CotPipeline.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace CotPipeline.IntegrationTests.LocalHost;

/// <summary>The whole loop through the real local host over HTTP: a 20-pair batch to Verified.</summary>
[Collection(LocalHostCollection.Name)]
public sealed class ReviewLoopTests(LocalHostFixture host, ITestOutputHelper output)
{
    private const string BatchId = "it20";
    private static readonly int[] Good = [5, 4, 4, 5, 4];
    private static readonly int[] Poor = [3, 2, 3, 3, 2];

    [Fact]
    public async Task TwentyPairBatch_AcceptRejectRewriteAndSplit_AllVerifiedWithVersionsAndReviewsStored()
    {
        var http = host.Http;
        var clock = Stopwatch.StartNew();
        var reviewers = Enumerable.Range(1, 5).Select(i => new
        {
            id = $"rev{i}",
            name = $"Reviewer {i}",
            email = $"rev{i}@example.org",
            departments = new[] { "*" },
            capacity = 1000,
            adjudicator = i == 5,
        }).ToArray();
        Assert.Equal(HttpStatusCode.OK, (await http.PostJsonAsync("/api/reviewers", reviewers)).StatusCode);

        var lines = Enumerable.Range(1, 20).Select(i => Api.Item($"p{i:D2}", i % 2 == 0 ? "心内科" : "neurology",
            i % 3 == 0 ? $"患者{i}号：胸痛伴大汗，心电图示ST段抬高。最可能的诊断是？" : $"Question {i}: which option is right?"));
        var submitted = await http.PostJsonlAsync($"/api/batches?batchId={BatchId}", string.Join('\n', lines));
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);

        // Round 1: two reviewers per item.
        var round1 = await Api.EventuallyAsync(() => http.OpenAssignmentsAsync(BatchId), a => a.Count == 40, TimeSpan.FromMinutes(3), "40 open assignments");
        foreach (var a in round1)
        {
            var id = (string)a["assignmentId"]!;
            var item = (string)a["itemId"]!;
            var first = (string)a["reviewerId"]! == round1.Where(x => (string)x["itemId"]! == item).Select(x => (string)x["reviewerId"]!).Order().First();
            object review = item switch
            {
                "p18" => Api.Review(id, "needs-revision", Poor, comments: new() { ["reasoning_structure"] = "Rule out option C explicitly." }),
                "p19" when first => Api.Review(id, "needs-revision", Poor, rewrite: "1. 首先分析症状。\n2. The ECG pattern points to option B.\n3. Therefore the answer is B."),
                "p19" => Api.Review(id, "needs-revision", Poor),
                // Both accept, but one scores reasoning 1: the median fails and the spread is wide, so a third reviewer is asked.
                "p20" when first => Api.Review(id, "accept", [5, 1, 4, 5, 4]),
                _ => Api.Review(id, "accept", Good),
            };
            var response = await http.PostJsonAsync("/api/reviews", review);
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        // A second submission for the same assignment is refused and changes nothing.
        var again = await http.PostJsonAsync("/api/reviews", Api.Review((string)round1[0]["assignmentId"]!, "needs-revision", Poor));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

        // Round 2 for p18 (regenerated) and p19 (rewrite), and a third reviewer for p20's first round.
        var next = await Api.EventuallyAsync(() => http.OpenAssignmentsAsync(BatchId), a => a.Count == 5, TimeSpan.FromMinutes(2), "5 open assignments");
        var p19Author = round1.Where(x => (string)x["itemId"]! == "p19").Select(x => (string)x["reviewerId"]!).Order().First();
        Assert.DoesNotContain(next, a => (string)a["itemId"]! == "p19" && (string)a["reviewerId"]! == p19Author);
        Assert.Single(next, a => (string)a["itemId"]! == "p20" && (int)a["round"]! == 1);
        foreach (var a in next)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await http.PostJsonAsync("/api/reviews", Api.Review((string)a["assignmentId"]!, "accept", Good))).StatusCode);
        }

        var status = await Api.EventuallyAsync(async () =>
        {
            // The counters stay exact while items move: every poll accounts for all 20 items.
            var s = await http.GetNodeAsync($"/api/batches/{BatchId}");
            Assert.Equal(20, s["counts"]!.AsObject().Sum(c => (int)c.Value!));
            return s;
        }, s => (int)s["counts"]!["verified"]! == 20, TimeSpan.FromMinutes(3), "20 verified items");
        Assert.Equal("finished", (string)status["status"]!);
        clock.Stop();

        var p18 = await http.GetNodeAsync($"/api/batches/{BatchId}/items/p18");
        Assert.Equal(["llm", "llm-regenerated"], p18["versions"]!.AsArray().Select(v => (string)v!["source"]!));
        Assert.Contains("Rule out option C explicitly.", (string)p18["versions"]![1]!["critique"]!, StringComparison.Ordinal);
        Assert.Equal(2, (int)p18["finalVersion"]!);

        var p19 = await http.GetNodeAsync($"/api/batches/{BatchId}/items/p19");
        var human = p19["versions"]![1]!;
        Assert.Equal("human", (string)human["source"]!);
        Assert.Equal(p19Author, (string)human["authorId"]!);
        Assert.Equal("首先分析症状。", (string)human["steps"]![0]!);

        var p20 = await http.GetNodeAsync($"/api/batches/{BatchId}/items/p20");
        Assert.Equal(1, (int)p20["round"]!);
        Assert.Equal(3, p20["reviews"]!.AsArray().Count);

        var chinese = await http.GetNodeAsync($"/api/batches/{BatchId}/items/p06");
        Assert.Equal("患者6号：胸痛伴大汗，心电图示ST段抬高。最可能的诊断是？", (string)chinese["item"]!["question"]!);
        Assert.Equal("心内科", (string)chinese["item"]!["department"]!);

        await AssertStoredAsync();
        var mails = await MailsToReviewersAsync(reviewers.Select(r => r.email));
        // This test answers through the operator API as soon as an assignment exists, so a request can find its review already
        // submitted and send nothing; never two for one assignment.
        Assert.InRange(mails.Count, 1, 45);
        Assert.Equal(mails.Count, mails.Distinct().Count());
        Report($"review e-mails per assignment (20-pair run, 45 assignments): {mails.Count / 45.0:0.00}");
        var historyBytes = await HistoryBytesPerPairAsync();
        Report($"20-pair integration run (submit to all verified, through CotLocal over HTTP): {clock.Elapsed.TotalSeconds:0.0} s");
        Report($"history bytes per pair (CotTestHistory table, mean over 20 items, max): {historyBytes.Mean:0} B, {historyBytes.Max:0} B");
        Assert.True(historyBytes.Max < 32 * 1024, $"history of one pair is {historyBytes.Max} bytes; the design allows well under 32 KB");
    }

    /// <summary>(recipient, subject) of every review request the batch's reviewers received: one per assignment, none twice.</summary>
    private async Task<List<(string To, string Subject)>> MailsToReviewersAsync(IEnumerable<string> addresses)
    {
        var mails = new List<(string, string)>();
        foreach (var address in addresses)
        {
            mails.AddRange((await host.Smtp.MessagesToAsync(address)).Select(m => (address, m.Subject)));
        }

        return mails;
    }

    private async Task AssertStoredAsync()
    {
        var container = new BlobServiceClient(host.Azurite.ConnectionString).GetBlobContainerClient("cot");
        var blobs = new List<string>();
        await foreach (var blob in container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, $"items/{BatchId}/", CancellationToken.None))
        {
            blobs.Add(blob.Name);
        }

        Assert.Contains($"items/{BatchId}/p18/v1.json", blobs);
        Assert.Contains($"items/{BatchId}/p18/v2.json", blobs);
        Assert.Contains($"items/{BatchId}/p19/v2.json", blobs);
        // Reviews are stored whole in their rows (below), nowhere else.
        Assert.DoesNotContain(blobs, b => b.Contains("/reviews/", StringComparison.Ordinal));
        Assert.Equal(20, blobs.Count(b => b.EndsWith("/final.json", StringComparison.Ordinal)));
        var input = await container.GetBlobClient($"batches/{BatchId}/input.jsonl").DownloadContentAsync();
        Assert.Contains("心内科", input.Value.Content.ToString(), StringComparison.Ordinal);

        var tables = new TableServiceClient(host.Azurite.ConnectionString);
        var items = tables.GetTableClient("CotItems").QueryAsync<TableEntity>(e => e.PartitionKey == BatchId);
        var states = new List<string>();
        await foreach (var row in items)
        {
            if (CotPipeline.Storage.ItemCounters.IsItem(row.RowKey))
            {
                states.Add(row.GetString("State"));
            }
        }

        Assert.Equal(Enumerable.Repeat("verified", 20), states);
        var reviews = 0;
        await foreach (var row in tables.GetTableClient("CotReviews").QueryAsync<TableEntity>(select: ["PartitionKey"]))
        {
            reviews += row.PartitionKey.StartsWith($"{BatchId}:", StringComparison.Ordinal) ? 1 : 0;
        }

        Assert.Equal(45, reviews);
    }

    private async Task<(double Mean, double Max)> HistoryBytesPerPairAsync()
    {
        var perInstance = await HistorySize.PerInstanceAsync(host.Azurite.ConnectionString, LocalHostFixture.HubName, $"{BatchId}:");
        Assert.Equal(20, perInstance.Count);
        return (perInstance.Values.Average(), perInstance.Values.Max());
    }

    private void Report(string figure)
    {
        output.WriteLine(figure);
        Figures.Write(figure);
    }
}
