using System.Net;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using CotPipeline.IntegrationTests.Infrastructure;
using CotPipeline.Storage;

namespace CotPipeline.IntegrationTests.LocalHost;

/// <summary>Long-run hygiene: purging the engine histories of ended orchestrations, on request (the schedule calls the same code).</summary>
public sealed partial class OperatorApiTests
{
    [Fact]
    public async Task PurgeHistories_TwoItemsEndedOneInReview_EndedHistoriesGoRunningOneStaysAndNothingOfOursIsLost()
    {
        const string batchId = "op-hist";
        await ReviewersAsync("op-hist", "op-h1", "op-h2");
        var lines = Enumerable.Range(1, 3).Select(i => Api.Item($"oph{i}", "op-hist", $"History question {i}?")).ToList();
        await SubmitAsync(batchId, lines);
        var assignments = await Api.EventuallyAsync(() => Http.OpenAssignmentsAsync(batchId), a => a.Count == 6, Patience, "6 open assignments");
        await ReviewAllAsync(assignments.Where(a => (string)a["itemId"]! is "oph1" or "oph2"), "accept", Good);
        await Api.EventuallyAsync(() => RuntimeStatusesAsync(batchId, ["oph1", "oph2"]), s => s.All(x => x == "Completed"), Patience, "2 item orchestrations completed");
        var before = await Http.GetNodeAsync($"/api/batches/{batchId}/items/oph1");

        // The default retention (7 days) keeps what ended a moment ago.
        var kept = await PurgeHistoriesAsync("");
        Assert.Equal(0, (int)kept["purged"]!);
        Assert.Equal("7.00:00:00", (string)kept["olderThan"]!);
        Assert.Equal(["Completed", "Completed", "Running"], await RuntimeStatusesAsync(batchId, ["oph1", "oph2", "oph3"]));

        var purged = await PurgeHistoriesAsync("?olderThan=PT0S");
        // The two items and the batch's StartBatch orchestration at least (other tests' ended orchestrations go too).
        Assert.True((int)purged["purged"]! >= 3, purged.ToJsonString());
        Assert.Equal(["none", "none", "Running"], await RuntimeStatusesAsync(batchId, ["oph1", "oph2", "oph3"]));
        Assert.False((await Instances().GetEntityIfExistsAsync<TableEntity>(Ids.BatchInstance(batchId), "")).HasValue, "the StartBatch history was purged");
        var history = new TableServiceClient(host.Azurite.ConnectionString).GetTableClient($"{LocalHostFixture.HubName}History");
        await foreach (var row in history.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Ids.ItemInstance(batchId, "oph1")}"), select: ["RowKey"]))
        {
            Assert.Fail($"history row {row.RowKey} of a purged item is left");
        }

        // The audit trail is ours, not the engine's: unchanged.
        Assert.Equal(before.ToJsonString(), (await Http.GetNodeAsync($"/api/batches/{batchId}/items/oph1")).ToJsonString());

        // The same upload again starts the batch's scheduling again, which must not start the ended items anew.
        var again = await Http.PostJsonlAsync($"/api/batches?batchId={batchId}", string.Join('\n', lines));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        await Api.EventuallyAsync(async () => (await Instances().GetEntityIfExistsAsync<TableEntity>(Ids.BatchInstance(batchId), "")) is { HasValue: true } row
            ? row.Value!.GetString("RuntimeStatus") : "none", s => s == "Completed", Patience, "the re-started StartBatch completed");
        Assert.Equal(["none", "none", "Running"], await RuntimeStatusesAsync(batchId, ["oph1", "oph2", "oph3"]));

        // The item still in review was not touched: its reviews complete it.
        await ReviewAllAsync(assignments.Where(a => (string)a["itemId"]! == "oph3"), "accept", Good);
        var finished = await Api.EventuallyAsync(() => Http.GetNodeAsync($"/api/batches/{batchId}"), s => (string)s["status"]! == "finished", Patience, "the batch finished");
        Assert.Equal(3, (int)finished["counts"]!["verified"]!);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1.00:00:00")]
    [InlineData("-P1D")]
    [InlineData("P99999999999999D")]
    [InlineData("7 days")]
    public async Task PurgeHistories_BadOlderThan_400NamingTheParameterAndNothingPurged(string olderThan)
    {
        var response = await Http.PostAsync($"/api/maintenance/purge-histories?olderThan={Uri.EscapeDataString(olderThan)}", null);
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "\"olderThan\"", "P7D");
    }

    private async Task<JsonNode> PurgeHistoriesAsync(string query)
    {
        var response = await Http.PostAsync($"/api/maintenance/purge-histories{query}", null);
        Assert.True(response.StatusCode == HttpStatusCode.OK,
            $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}\nhost log (end):\n{host.Output[^Math.Min(host.Output.Length, 4000)..]}");
        return await response.ReadNodeAsync();
    }

    private TableClient Instances() => new TableServiceClient(host.Azurite.ConnectionString).GetTableClient($"{LocalHostFixture.HubName}Instances");
}
