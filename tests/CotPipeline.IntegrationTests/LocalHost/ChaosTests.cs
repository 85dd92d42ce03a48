using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using CotPipeline.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace CotPipeline.IntegrationTests.LocalHost;

/// <summary>
/// The local host killed with SIGKILL at random moments while a batch runs and reviewers keep submitting, then restarted:
/// every item still ends, once, with every review accepted by the API counted exactly once, and no assignment e-mailed
/// twice except where a kill fell between the send and its record. CI runs 1 kill over 50 pairs; <c>tests/chaos.sh</c>
/// runs more (COT_CHAOS_PAIRS, COT_CHAOS_KILLS, COT_CHAOS_SEED).
/// </summary>
[Collection(LocalHostCollection.Name)]
public sealed class ChaosTests(LocalHostFixture host, ITestOutputHelper output)
{
    private const string BatchId = "chaos";
    private const string Department = "chaos-dept";

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out var value) && value > 0 ? value : fallback;

    [Fact]
    public async Task Batch_KilledAtRandomMomentsWhileReviewing_EveryItemEndsOnceAndNoReviewLostOrCountedTwice()
    {
        var pairs = Setting("COT_CHAOS_PAIRS", 50);
        var kills = Setting("COT_CHAOS_KILLS", 1);
        var seed = Setting("COT_CHAOS_SEED", Environment.TickCount & 0x7fffffff);
        var random = new Random(seed);
        output.WriteLine($"chaos: {pairs} pairs, {kills} kill(s), seed {seed}");

        string[] reviewers = ["chaos-1", "chaos-2", "chaos-3", "chaos-4"];
        Assert.Equal(HttpStatusCode.OK, (await host.Http.PostJsonAsync("/api/reviewers", reviewers.Select(r => new
        {
            id = r, name = r, email = $"{r}@example.org", departments = new[] { Department }, capacity = 10_000,
        }).ToArray())).StatusCode);
        var lines = Enumerable.Range(1, pairs).Select(i => Api.Item($"k{i:D5}", Department, $"Chaos question {i}?"));
        Assert.Equal(HttpStatusCode.Accepted, (await host.Http.PostJsonlAsync($"/api/batches?batchId={BatchId}", string.Join('\n', lines))).StatusCode);

        var clock = Stopwatch.StartNew();
        var accepted = new ConcurrentDictionary<string, string>();
        using var stop = new CancellationTokenSource();
        var driver = Task.Run(() => Api.ReviewUntilStoppedAsync(() => host.Http, BatchId, Review, accepted, stop.Token));
        for (var k = 1; k <= kills; k++)
        {
            // Spread over the batch: once the k-th share of the items is verified, at a random moment in the next few seconds,
            // while the others are drafting, assigned, in review or being decided.
            var share = pairs * k / (kills + 1);
            var reached = await Api.EventuallyAsync(() => host.Http.GetNodeAsync($"/api/batches/{BatchId}"),
                s => (int)s["counts"]!["verified"]! >= share, TimeSpan.FromMinutes(Math.Max(4, pairs / 10)), $"{share} items verified before kill {k}");
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(0, 3_000)));
            host.Kill();
            output.WriteLine($"killed at {clock.Elapsed.TotalSeconds:0.0} s ({(int)reached["counts"]!["verified"]!} of {pairs} verified)");
            await host.StartHostAsync();
        }

        JsonNode status;
        try
        {
            status = await Api.EventuallyAsync(() => host.Http.GetNodeAsync($"/api/batches/{BatchId}"),
                s => (string)s["status"]! == "finished", TimeSpan.FromMinutes(Math.Max(4, pairs / 10)), $"{pairs} items finished");
        }
        finally
        {
            await stop.CancelAsync();
            await driver;
        }

        clock.Stop();
        Assert.Equal(pairs, (int)status["counts"]!["verified"]!);
        var duplicates = await AssertInvariantsAsync(pairs, accepted);
        var figure = $"chaos: {kills} kill(s) over {pairs} pairs (seed {seed}), submit to all verified: {clock.Elapsed.TotalSeconds:0.0} s; "
            + $"assignments e-mailed twice (a kill between send and record): {duplicates}";
        output.WriteLine(figure);
        Figures.Write(figure);
    }

    /// <summary>Round 1 of every third item is sent back (so ~30 % take two rounds); everything else is accepted.</summary>
    private static (string Verdict, object Body) Review(JsonNode assignment)
    {
        var id = (string)assignment["assignmentId"]!;
        var item = (string)assignment["itemId"]!;
        return (int)assignment["round"]! == 1 && int.Parse(item[1..]) % 3 == 0
            ? ("needs-revision", Api.Review(id, "needs-revision", [3, 2, 3, 3, 2], comments: new() { ["reasoning_structure"] = "Explain each step." }))
            : ("accept", Api.Review(id, "accept", [5, 4, 4, 5, 4]));
    }

    /// <summary>Checks every item and returns how many assignments got their request twice.</summary>
    private async Task<int> AssertInvariantsAsync(int pairs, ConcurrentDictionary<string, string> accepted)
    {
        var counted = new HashSet<string>();
        for (var i = 1; i <= pairs; i++)
        {
            var item = await host.Http.GetNodeAsync($"/api/batches/{BatchId}/items/k{i:D5}");
            Assert.Equal("verified", (string)item["state"]!);
            // One final version: the item's final record names the version that is final, and it is the last one.
            var versions = item["versions"]!.AsArray();
            Assert.Equal((int)versions[^1]!["version"]!, (int)item["finalVersion"]!);
            Assert.Equal((int)item["finalVersion"]!, (int?)item["final"]!["finalVersion"]);
            Assert.Equal(versions.Count, versions.Select(v => (int)v!["version"]!).Distinct().Count());
            foreach (var review in item["reviews"]!.AsArray().Where(r => (bool)r!["counted"]!))
            {
                Assert.True(counted.Add((string)review!["review"]!["assignmentId"]!), $"review {review["review"]!["assignmentId"]} counted twice");
            }

            var expectedRounds = i % 3 == 0 ? 2 : 1;
            Assert.Equal(expectedRounds, (int)item["round"]!);
        }

        // No review lost: every one the API accepted is in the audit trail and counted.
        var lost = accepted.Keys.Where(id => !counted.Contains(id)).ToList();
        Assert.True(lost.Count == 0, $"accepted but not counted: {string.Join(", ", lost)}");

        var mails = new List<(string To, string Subject)>();
        foreach (var reviewer in new[] { "chaos-1", "chaos-2", "chaos-3", "chaos-4" })
        {
            mails.AddRange((await host.Smtp.MessagesToAsync($"{reviewer}@example.org")).Select(m => (reviewer, m.Subject)));
        }

        var twice = mails.GroupBy(m => m).Where(g => g.Count() > 1).ToList();
        Assert.All(twice, g => Assert.Equal(2, g.Count()));
        Assert.True(twice.Count <= Setting("COT_CHAOS_KILLS", 1) * 10, $"{twice.Count} assignments e-mailed twice; a kill can only cause that for the e-mails in flight");
        return twice.Count;
    }
}
