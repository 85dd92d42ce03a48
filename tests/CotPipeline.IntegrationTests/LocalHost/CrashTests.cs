using System.Diagnostics;
using System.Net;
using CotPipeline.IntegrationTests.Infrastructure;
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
}
