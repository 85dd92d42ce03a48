using System.Diagnostics;
using System.Net;
using Azure.Data.Tables;
using CotPipeline.IntegrationTests.Infrastructure;
using CotPipeline.Storage;

namespace CotPipeline.IntegrationTests.LocalHost;

/// <summary>The local host with the engine's task hub in an Azurite of its own (<c>Local:EngineConnectionString</c>), as it starts by default.</summary>
public sealed class EngineStorageTests(EngineStorageTests.SeparateEngineHostFixture host) : IClassFixture<EngineStorageTests.SeparateEngineHostFixture>
{
    private const string Hub = LocalHostFixture.HubName;

    [Fact]
    public async Task SeparateEngineStorage_BatchVerified_TaskHubAndPipelineDataEachInTheirOwnAzurite()
    {
        var http = host.Http;
        await AddReviewersAsync(http);
        var lines = Enumerable.Range(1, 3).Select(i => Api.Item($"s{i}", "neurology", $"Question {i}?"));
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostJsonlAsync("/api/batches?batchId=split", string.Join('\n', lines))).StatusCode);

        var open = await Api.EventuallyAsync(() => http.OpenAssignmentsAsync("split"), a => a.Count == 6, TimeSpan.FromMinutes(2), "6 open assignments");
        foreach (var a in open)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await http.PostJsonAsync("/api/reviews", Api.Review((string)a["assignmentId"]!, "accept", [5, 4, 4, 5, 4]))).StatusCode);
        }

        await Api.EventuallyAsync(() => http.GetNodeAsync("/api/batches/split"), s => (string)s["status"]! == "finished", TimeSpan.FromMinutes(2), "batch finished");

        var engineTables = await TablesAsync(host.EngineAzurite!);
        var dataTables = await TablesAsync(host.Azurite);
        Assert.Contains($"{Hub}Instances", engineTables);
        Assert.Contains($"{Hub}History", engineTables);
        Assert.DoesNotContain("CotItems", engineTables);
        Assert.Contains("CotItems", dataTables);
        Assert.DoesNotContain($"{Hub}Instances", dataTables);
        Assert.DoesNotContain($"{Hub}History", dataTables);

        // The operator's engine operations reach the engine's storage: the ended histories are purged there. The batch counts an
        // item finished when its last step has run, a moment before its orchestration completes, so purge until all three went.
        var history = new TableServiceClient(host.EngineAzurite!.ConnectionString).GetTableClient($"{Hub}History");
        await Api.EventuallyAsync(async () =>
        {
            var purge = await http.PostAsync(new Uri("/api/maintenance/purge-histories?olderThan=PT0S", UriKind.Relative), null);
            Assert.Equal(HttpStatusCode.OK, purge.StatusCode);
            var left = new List<string>();
            foreach (var item in (string[])["s1", "s2", "s3"])
            {
                await foreach (var row in history.QueryAsync<TableEntity>(e => e.PartitionKey == Ids.ItemInstance("split", item), select: ["PartitionKey", "RowKey"]))
                {
                    left.Add($"{row.PartitionKey}/{row.RowKey}");
                }
            }

            return left;
        }, left => left.Count == 0, TimeSpan.FromMinutes(1), "the 3 ended items' history rows purged from the engine's Azurite");
    }

    /// <summary>
    /// A task hub that an earlier version made in the pipeline's Azurite stays there (its running items would be left behind in a
    /// move): the host says so, and the engine runs items there.
    /// </summary>
    [Fact]
    public async Task TaskHubAlreadyInPipelineStorage_EngineStaysThereAndSaysSo()
    {
        await using var earlier = new SeparateEngineHostFixture();
        await earlier.StartServersAsync();
        await new TableServiceClient(earlier.Azurite.ConnectionString).CreateTableIfNotExistsAsync($"{Hub}Instances");
        await earlier.StartHostAsync();

        await AddReviewersAsync(earlier.Http);
        Assert.Equal(HttpStatusCode.Accepted, (await earlier.Http.PostJsonlAsync("/api/batches?batchId=kept", Api.Item("k1", "neurology", "Question?"))).StatusCode);
        await Api.EventuallyAsync(() => earlier.Http.OpenAssignmentsAsync("kept"), a => a.Count == 2, TimeSpan.FromMinutes(2), "2 open assignments");

        Assert.Contains($"The task hub {Hub} is in the storage of Storage:ConnectionString", earlier.Output, StringComparison.Ordinal);
        Assert.Contains($"{Hub}History", await TablesAsync(earlier.Azurite));
        Assert.DoesNotContain($"{Hub}Instances", await TablesAsync(earlier.EngineAzurite!));
    }

    /// <summary>With <c>Local:StartAzurite</c> off, an engine storage nobody serves stops the host at start, naming the setting.</summary>
    [Fact]
    public async Task EngineStorageNotListening_StartAzuriteOff_ExitsNamingTheSetting()
    {
        var data = new AzuriteFixture();
        await data.InitializeAsync();
        try
        {
            await ExitsNamingTheSettingAsync(data);
        }
        finally
        {
            await data.DisposeAsync();
        }
    }

    private static async Task ExitsNamingTheSettingAsync(AzuriteFixture data)
    {
        var silent = Ports.Free();
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(RepoPaths.BuildOutput("CotLocal", "CotLocal.dll"));
        start.Environment["Storage__ConnectionString"] = data.ConnectionString;
        start.Environment["Local__EngineConnectionString"] = data.ConnectionString.Replace($":{data.BlobPort}/", $":{silent}/", StringComparison.Ordinal);
        start.Environment["Local__StartAzurite"] = "false";
        start.Environment["Local__StartSmtp4dev"] = "false";
        start.Environment["Local__Demo"] = "false";
        start.Environment["Local__ApiPort"] = Ports.Free().ToString();
        start.Environment["Local__SidecarPort"] = Ports.Free().ToString();

        using var process = Process.Start(start)!;
        var output = Task.WhenAll(process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("CotLocal kept running without its engine's storage");
        }

        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains($"Nothing listens on 127.0.0.1:{silent} (Local:EngineConnectionString) and Local:StartAzurite is off",
            string.Concat(await output), StringComparison.Ordinal);
    }

    private static async Task AddReviewersAsync(HttpClient http)
    {
        var reviewers = Enumerable.Range(1, 2).Select(i => new { id = $"sr{i}", name = $"Reviewer {i}", email = $"sr{i}@example.org", departments = new[] { "*" } });
        Assert.Equal(HttpStatusCode.OK, (await http.PostJsonAsync("/api/reviewers", reviewers)).StatusCode);
    }

    private static async Task<List<string>> TablesAsync(AzuriteFixture azurite)
    {
        var names = new List<string>();
        await foreach (var table in new TableServiceClient(azurite.ConnectionString).QueryAsync())
        {
            names.Add(table.Name);
        }

        return names;
    }

    public sealed class SeparateEngineHostFixture() : LocalHostFixture(new AzuriteFixture(), new AzuriteFixture()), IAsyncDisposable
    {
        ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());
    }
}
