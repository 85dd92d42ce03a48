using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using CotPipeline.Http;
using CotPipeline.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace CotPipeline.IntegrationTests.LocalHost;

/// <summary>
/// The local host as it runs by default, over two Azurites (the pipeline's and the engine's task hub's) that keep their data on
/// disk, so either can be stopped and started again.
/// </summary>
public sealed class StorageOutageHostFixture() : LocalHostFixture(AzuriteFixture.OnDisk(), AzuriteFixture.OnDisk());

/// <summary>Runs alone, after the other collections: restarting a storage server (node reloading its data) is heavy, and alone it disturbs no other test.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StorageOutageCollection : ICollectionFixture<StorageOutageHostFixture>
{
    public const string Name = "CotLocal over an Azurite that is restarted";
}

/// <summary>
/// Fault injection: the storage (the pipeline's Azurite, or the engine's) goes away for a while in the middle of a batch, with
/// drafts, e-mails and reviews in flight, and comes back. The host is not touched: every item must still end verified without an
/// operator, with every review the API accepted counted exactly once; while the storage is away the API answers what needs it
/// with a clear error, never a hang.
/// </summary>
[Collection(StorageOutageCollection.Name)]
public sealed class StorageOutageTests(StorageOutageHostFixture host, ITestOutputHelper output)
{
    private const string Department = "outage-dept";
    private const int Pairs = 20;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(20);
    private static readonly string[] Reviewers = ["outage-1", "outage-2", "outage-3"];

    [Theory]
    [InlineData("pipeline")]
    [InlineData("engine")]
    public async Task Batch_StorageStoppedForTwentySecondsMidway_EveryItemEndsVerifiedAndNoReviewLostOrCountedTwice(string which)
    {
        var batchId = $"outage-{which}";
        var azurite = which == "engine" ? host.EngineAzurite! : host.Azurite;
        await host.Http.PostJsonAsync("/api/reviewers", Reviewers.Select(r => new
        {
            id = r, name = r, email = $"{r}@example.org", departments = new[] { Department }, capacity = 10_000,
        }).ToArray()).AssertStatusAsync(HttpStatusCode.OK, () => host.Output);
        var lines = Enumerable.Range(1, Pairs).Select(i => Api.Item($"o{i:D3}", Department, $"Outage question {i}?"));
        await host.Http.PostJsonlAsync($"/api/batches?batchId={batchId}", string.Join('\n', lines)).AssertStatusAsync(HttpStatusCode.Accepted, () => host.Output);

        // A reviewer who submits while the engine's storage is away: a one-item batch of its own, which the simulated reviewers leave
        // alone, with its assignments open when the storage goes.
        var probe = which == "engine" ? await OpenProbeAsync($"{batchId}-probe") : null;

        var accepted = new ConcurrentDictionary<string, string>();
        using var stop = new CancellationTokenSource();
        var driver = Task.Run(() => Api.ReviewUntilStoppedAsync(() => host.Http, batchId,
            a => ("accept", Api.Review((string)a["assignmentId"]!, "accept", [5, 4, 4, 5, 4])), accepted, stop.Token));
        // Mid-batch: some items reviewed, others drafting, waiting or being decided.
        await Api.EventuallyAsync(() => Task.FromResult(accepted.Count), n => n >= Pairs / 2, TimeSpan.FromMinutes(3), $"{Pairs / 2} reviews accepted");

        var clock = Stopwatch.StartNew();
        await azurite.StopAsync();
        output.WriteLine($"{which} storage stopped after {accepted.Count} reviews");
        var during = probe is null ? await AskDuringOutageAsync(batchId) : await ReviewDuringOutageAsync(probe[0]);
        var left = Outage - clock.Elapsed;
        if (left > TimeSpan.Zero)
        {
            await Task.Delay(left);
        }

        await azurite.StartAgainAsync();
        output.WriteLine($"{which} storage back after {clock.Elapsed.TotalSeconds:0.0} s");

        JsonNode status;
        try
        {
            status = await Api.EventuallyAsync(() => host.Http.GetNodeAsync($"/api/batches/{batchId}"),
                s => (string)s["status"]! == "finished" || (int)s["attention"]!["failed"]! > 0, TimeSpan.FromMinutes(5), $"{Pairs} items finished");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidOperationException($"{e.Message}\n{await UnfinishedAsync(batchId)}\nhost log (tail):\n{host.Output[^Math.Min(host.Output.Length, 20_000)..]}", e);
        }
        finally
        {
            await stop.CancelAsync();
            await driver;
        }

        if (probe is not null)
        {
            // The reviewer thanked during the outage does nothing more; the other reviewer submits: the item counts both.
            await host.Http.PostJsonAsync("/api/reviews", ProbeReview(probe[1])).AssertStatusAsync(HttpStatusCode.Accepted, () => host.Output);
            var item = await Api.EventuallyAsync(() => host.Http.GetNodeAsync($"/api/batches/{batchId}-probe/items/p001"),
                i => (string)i["state"]! == "verified", TimeSpan.FromMinutes(2), "the probe item verified");
            Assert.Equal(probe.Order(), item["reviews"]!.AsArray().Where(r => (bool)r!["counted"]!).Select(r => (string)r!["review"]!["assignmentId"]!).Order());
        }

        Assert.Equal(0, (int)status["attention"]!["failed"]!);
        Assert.Equal(Pairs, (int)status["counts"]!["verified"]!);
        var counted = new HashSet<string>();
        for (var i = 1; i <= Pairs; i++)
        {
            var item = await host.Http.GetNodeAsync($"/api/batches/{batchId}/items/o{i:D3}");
            Assert.Equal("verified", (string)item["state"]!);
            foreach (var review in item["reviews"]!.AsArray().Where(r => (bool)r!["counted"]!))
            {
                Assert.True(counted.Add((string)review!["review"]!["assignmentId"]!), $"review {review["review"]!["assignmentId"]} counted twice");
            }
        }

        var lost = accepted.Keys.Where(id => !counted.Contains(id)).ToList();
        Assert.True(lost.Count == 0, $"accepted but not counted: {string.Join(", ", lost)}");
        var figure = $"storage outage: the {which}'s Azurite stopped {Outage.TotalSeconds:0} s mid-batch ({Pairs} pairs); while away the API answered {during}; "
            + $"back to all verified in {clock.Elapsed.TotalSeconds:0.0} s, 0 failed, 0 reviews lost";
        output.WriteLine(figure);
        Figures.Write(figure);
    }

    /// <summary>What an operator sees while the storage is away: a prompt, clear error (not a hang, not a success).</summary>
    private async Task<string> AskDuringOutageAsync(string batchId)
    {
        var clock = Stopwatch.StartNew();
        var response = await host.Http.GetAsync($"/api/batches/{batchId}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)response.StatusCode} {body}");
        Assert.Contains("storage", body, StringComparison.OrdinalIgnoreCase);
        Assert.NotNull(response.Headers.RetryAfter);
        return $"{(int)response.StatusCode} in {clock.Elapsed.TotalSeconds:0.0} s";
    }

    /// <summary>
    /// What a reviewer sees who submits while the engine's storage is away: the review is stored (the pipeline's storage is there)
    /// and they are thanked at once; the item is told when the engine's storage is back (<see cref="ReviewRelay"/> tries again).
    /// </summary>
    private async Task<string> ReviewDuringOutageAsync(string assignmentId)
    {
        var clock = Stopwatch.StartNew();
        var response = await host.Http.PostJsonAsync("/api/reviews", ProbeReview(assignmentId));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode} {body}");
        Assert.True((bool)JsonNode.Parse(body)!["counted"]!, body);
        return $"{(int)response.StatusCode} to a review in {clock.Elapsed.TotalSeconds:0.0} s (stored; the item told once the engine was back)";
    }

    /// <summary>Submits a one-item batch and returns its open review assignments once it has them.</summary>
    private async Task<List<string>> OpenProbeAsync(string probeBatchId)
    {
        await host.Http.PostJsonlAsync($"/api/batches?batchId={probeBatchId}", Api.Item("p001", Department, "Outage probe question?"))
            .AssertStatusAsync(HttpStatusCode.Accepted, () => host.Output);
        var open = await Api.EventuallyAsync(() => host.Http.OpenAssignmentsAsync(probeBatchId), a => a.Count >= 2, TimeSpan.FromMinutes(2), "the probe's assignments");
        return [.. open.Select(a => (string)a["assignmentId"]!)];
    }

    private static object ProbeReview(string assignmentId) => Api.Review(assignmentId, "accept", [5, 4, 4, 5, 4]);

    /// <summary>The audit trail of every item not ended, for a failure message.</summary>
    private async Task<string> UnfinishedAsync(string batchId)
    {
        var items = await host.Http.GetNodeAsync($"/api/batches/{batchId}/items?pageSize=1000");
        var open = items["items"]!.AsArray().Where(i => (string)i!["state"]! is not ("verified" or "excluded" or "failed" or "cancelled"));
        var trails = new List<string>();
        foreach (var item in open)
        {
            trails.Add((await host.Http.GetNodeAsync($"/api/batches/{batchId}/items/{(string)item!["itemId"]!}")).ToJsonString());
        }

        return $"items not ended: {string.Join("\n", trails)}";
    }
}
