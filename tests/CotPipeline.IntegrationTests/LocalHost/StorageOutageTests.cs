using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using CotPipeline.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace CotPipeline.IntegrationTests.LocalHost;

/// <summary>The local host over an Azurite that keeps its data on disk, so the storage can be stopped and started again.</summary>
public sealed class StorageOutageHostFixture() : LocalHostFixture(AzuriteFixture.OnDisk());

/// <summary>Runs alone, after the other collections: restarting a storage server (node reloading its data) is heavy, and alone it disturbs no other test.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StorageOutageCollection : ICollectionFixture<StorageOutageHostFixture>
{
    public const string Name = "CotLocal over an Azurite that is restarted";
}

/// <summary>
/// Fault injection: the storage (Azurite) goes away for a while in the middle of a batch, with drafts, e-mails and reviews in
/// flight, and comes back. The host is not touched: every item must still end verified without an operator, with every review
/// the API accepted counted exactly once; while the storage is away the API answers with a clear error, never a hang.
/// </summary>
[Collection(StorageOutageCollection.Name)]
public sealed class StorageOutageTests(StorageOutageHostFixture host, ITestOutputHelper output)
{
    private const string BatchId = "outage";
    private const string Department = "outage-dept";
    private const int Pairs = 20;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(20);
    private static readonly string[] Reviewers = ["outage-1", "outage-2", "outage-3"];

    [Fact]
    public async Task Batch_StorageStoppedForTwentySecondsMidway_EveryItemEndsVerifiedAndNoReviewLostOrCountedTwice()
    {
        await host.Http.PostJsonAsync("/api/reviewers", Reviewers.Select(r => new
        {
            id = r, name = r, email = $"{r}@example.org", departments = new[] { Department }, capacity = 10_000,
        }).ToArray()).AssertStatusAsync(HttpStatusCode.OK, () => host.Output);
        var lines = Enumerable.Range(1, Pairs).Select(i => Api.Item($"o{i:D3}", Department, $"Outage question {i}?"));
        await host.Http.PostJsonlAsync($"/api/batches?batchId={BatchId}", string.Join('\n', lines)).AssertStatusAsync(HttpStatusCode.Accepted, () => host.Output);

        var accepted = new ConcurrentDictionary<string, string>();
        using var stop = new CancellationTokenSource();
        var driver = Task.Run(() => Api.ReviewUntilStoppedAsync(() => host.Http, BatchId,
            a => ("accept", Api.Review((string)a["assignmentId"]!, "accept", [5, 4, 4, 5, 4])), accepted, stop.Token));
        // Mid-batch: some items reviewed, others drafting, waiting or being decided.
        await Api.EventuallyAsync(() => Task.FromResult(accepted.Count), n => n >= Pairs / 2, TimeSpan.FromMinutes(3), $"{Pairs / 2} reviews accepted");

        var clock = Stopwatch.StartNew();
        await host.Azurite.StopAsync();
        output.WriteLine($"storage stopped after {accepted.Count} reviews");
        var during = await AskDuringOutageAsync();
        var left = Outage - clock.Elapsed;
        if (left > TimeSpan.Zero)
        {
            await Task.Delay(left);
        }

        await host.Azurite.StartAgainAsync();
        output.WriteLine($"storage back after {clock.Elapsed.TotalSeconds:0.0} s");

        JsonNode status;
        try
        {
            status = await Api.EventuallyAsync(() => host.Http.GetNodeAsync($"/api/batches/{BatchId}"),
                s => (string)s["status"]! == "finished" || (int)s["attention"]!["failed"]! > 0, TimeSpan.FromMinutes(5), $"{Pairs} items finished");
        }
        finally
        {
            await stop.CancelAsync();
            await driver;
        }

        Assert.Equal(0, (int)status["attention"]!["failed"]!);
        Assert.Equal(Pairs, (int)status["counts"]!["verified"]!);
        var counted = new HashSet<string>();
        for (var i = 1; i <= Pairs; i++)
        {
            var item = await host.Http.GetNodeAsync($"/api/batches/{BatchId}/items/o{i:D3}");
            Assert.Equal("verified", (string)item["state"]!);
            foreach (var review in item["reviews"]!.AsArray().Where(r => (bool)r!["counted"]!))
            {
                Assert.True(counted.Add((string)review!["review"]!["assignmentId"]!), $"review {review["review"]!["assignmentId"]} counted twice");
            }
        }

        var lost = accepted.Keys.Where(id => !counted.Contains(id)).ToList();
        Assert.True(lost.Count == 0, $"accepted but not counted: {string.Join(", ", lost)}");
        var figure = $"storage outage: Azurite stopped {Outage.TotalSeconds:0} s mid-batch ({Pairs} pairs); while away the API answered {during}; "
            + $"back to all verified in {clock.Elapsed.TotalSeconds:0.0} s, 0 failed, 0 reviews lost";
        output.WriteLine(figure);
        Figures.Write(figure);
    }

    /// <summary>What an operator sees while the storage is away: a prompt, clear error (not a hang, not a success).</summary>
    private async Task<string> AskDuringOutageAsync()
    {
        var clock = Stopwatch.StartNew();
        var response = await host.Http.GetAsync($"/api/batches/{BatchId}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)response.StatusCode} {body}");
        Assert.Contains("storage", body, StringComparison.OrdinalIgnoreCase);
        Assert.NotNull(response.Headers.RetryAfter);
        return $"{(int)response.StatusCode} in {clock.Elapsed.TotalSeconds:0.0} s";
    }
}
