using System.Diagnostics;
using System.Net;
using Azure.Data.Tables;
using CotPipeline.Domain;
using CotPipeline.Http;
using CotPipeline.IntegrationTests.Infrastructure;
using CotPipeline.Options;
using CotPipeline.Storage;
using Xunit.Abstractions;

namespace CotPipeline.IntegrationTests.LocalHost;

/// <summary>The local host killed with SIGKILL mid-batch and restarted: state is in Azurite, the loop goes on.</summary>
[Collection(LocalHostCollection.Name)]
public sealed class CrashTests(LocalHostFixture host, ITestOutputHelper output)
{
    [Fact]
    public async Task CotLocal_KilledWhileDrafting_RestartedBatchStillVerifiesEveryItem()
    {
        await host.Http.PostJsonAsync("/api/reviewers", new[]
        {
            new { id = "crash-a", name = "A", email = "a@example.org", departments = new[] { "crash-dept" }, capacity = 100 },
            new { id = "crash-b", name = "B", email = "b@example.org", departments = new[] { "crash-dept" }, capacity = 100 },
        });
        var lines = Enumerable.Range(1, 12).Select(i => Api.Item($"c{i:D2}", "crash-dept", $"Crash question {i}?"));
        Assert.Equal(HttpStatusCode.Accepted, (await host.Http.PostJsonlAsync("/api/batches?batchId=crash1", string.Join('\n', lines))).StatusCode);
        await Api.EventuallyAsync(() => host.Http.OpenAssignmentsAsync("crash1"), a => a.Count >= 2, TimeSpan.FromMinutes(1), "the first assignments");

        host.Kill();
        var clock = Stopwatch.StartNew();
        await host.StartHostAsync();

        var reviewed = new HashSet<string>();
        var verified = Api.EventuallyAsync(async () =>
        {
            foreach (var a in await host.Http.OpenAssignmentsAsync("crash1"))
            {
                var id = (string)a["assignmentId"]!;
                if (reviewed.Add(id))
                {
                    var response = await host.Http.PostJsonAsync("/api/reviews", Api.Review(id, "accept", [5, 5, 5, 5, 5]));
                    Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                }
            }

            return await host.Http.GetNodeAsync("/api/batches/crash1");
        }, s => (int)s["counts"]!["verified"]! == 12, TimeSpan.FromMinutes(2), "12 verified items after the restart");
        try
        {
            await verified;
        }
        catch (Exception)
        {
            output.WriteLine((await host.Http.GetNodeAsync("/api/batches/crash1/items")).ToJsonString());
            output.WriteLine((await host.Http.GetNodeAsync("/api/assignments?batchId=crash1&status=all")).ToJsonString());
            output.WriteLine(string.Join(' ', reviewed));
            output.WriteLine(host.Output[^Math.Min(host.Output.Length, 20000)..]);
            throw;
        }

        Assert.Equal(24, reviewed.Count);
        output.WriteLine($"restart to all verified: {clock.Elapsed.TotalSeconds:0.0} s");
        Figures.Write($"kill -9 while drafting 12 pairs, restart to all verified: {clock.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task CotLocal_KilledAfterAnsweringReviewsBeforeRaisingThem_RestartFinishesThemAndTheItemCountsBoth()
    {
        await host.Http.PostJsonAsync("/api/reviewers", new[]
        {
            new { id = "relay-a", name = "A", email = "ra@example.org", departments = new[] { "relay-dept" }, capacity = 100 },
            new { id = "relay-b", name = "B", email = "rb@example.org", departments = new[] { "relay-dept" }, capacity = 100 },
        });
        Assert.Equal(HttpStatusCode.Accepted, (await host.Http.PostJsonlAsync("/api/batches?batchId=relay1", Api.Item("r01", "relay-dept", "Relay question?"))).StatusCode);
        var open = await Api.EventuallyAsync(() => host.Http.OpenAssignmentsAsync("relay1"), a => a.Count >= 2, TimeSpan.FromMinutes(1), "the round's assignments");

        // What a host killed right after answering two reviewers leaves: each review stored with its relay row, no event raised,
        // the assignments still open.
        var store = StorageServiceCollectionExtensions.Create(new StorageOptions { ConnectionString = host.Azurite.ConnectionString });
        foreach (var a in open)
        {
            Assert.True(AssignmentId.TryParse((string)a["assignmentId"]!, out var id));
            var review = new Review
            {
                BatchId = id.BatchId, ItemId = id.ItemId, Round = id.Round, Version = (int)a["version"]!, ReviewerId = id.ReviewerId,
                AssignmentId = id.ToString(), Scores = RubricOptions.Default().Criteria.ToDictionary(c => c.Id, c => c.ScaleMax),
                Comments = new Dictionary<string, string>(), Verdict = Verdict.Accept, SubmittedAt = DateTimeOffset.UtcNow,
            };
            await store.Reviews.AddEntityAsync(ReviewRow.From(review, counted: true));
            await store.ReviewRelay.AddEntityAsync(new TableEntity(ReviewRelay.RelayPartition, id.ToString()));
        }

        host.Kill();
        var clock = Stopwatch.StartNew();
        await host.StartHostAsync();

        // Nobody submits again: the restarted host's sweep raises both, and the item ends verified with both reviews counted.
        var item = await Api.EventuallyAsync(() => host.Http.GetNodeAsync("/api/batches/relay1/items/r01"),
            i => (string)i["state"]! == "verified", TimeSpan.FromMinutes(2), "the item verified after the restart");
        Assert.Equal(open.Select(a => (string)a["assignmentId"]!).Order(),
            item["reviews"]!.AsArray().Where(r => (bool)r!["counted"]!).Select(r => (string)r!["review"]!["assignmentId"]!).Order());
        Assert.Empty(await host.Http.OpenAssignmentsAsync("relay1"));
        var left = new List<string>();
        await foreach (var row in store.ReviewRelay.QueryAsync<TableEntity>(select: ["RowKey"]))
        {
            left.Add(row.RowKey);
        }

        Assert.Empty(left);
        output.WriteLine($"restart to verified: {clock.Elapsed.TotalSeconds:0.0} s");
    }
}
