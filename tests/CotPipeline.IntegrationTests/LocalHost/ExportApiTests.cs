using System.Net;
using System.Text.Json.Nodes;
using CotPipeline.IntegrationTests.Infrastructure;

namespace CotPipeline.IntegrationTests.LocalHost;

/// <summary>Exporting a finished batch through the local host over HTTP, and downloading its training view.</summary>
[Collection(LocalHostCollection.Name)]
public sealed class ExportApiTests(LocalHostFixture host)
{
    private const string BatchId = "ex-http";

    [Fact]
    public async Task PostExport_FinishedBatch_CreatedAndSftDownloadable()
    {
        var http = host.Http;
        await http.PostJsonAsync("/api/reviewers", new object[]
        {
            new { id = "ex-r1", name = "Export R1", email = "ex-r1@example.org", departments = new[] { "ex-dept" }, capacity = 100 },
            new { id = "ex-r2", name = "Export R2", email = "ex-r2@example.org", departments = new[] { "ex-dept" }, capacity = 100 },
        });
        var items = string.Join('\n', Api.Item("e1", "ex-dept", "第一题：最可能的诊断是？"), Api.Item("e2", "ex-dept", "Second?"));
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostJsonlAsync($"/api/batches?batchId={BatchId}", items)).StatusCode);

        var open = await Api.EventuallyAsync(() => http.OpenAssignmentsAsync(BatchId), a => a.Count == 4, TimeSpan.FromMinutes(1), "4 open assignments");
        foreach (var a in open)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await http.PostJsonAsync("/api/reviews", Api.Review((string)a["assignmentId"]!, "accept", [5, 4, 4, 5, 4]))).StatusCode);
        }

        await Api.EventuallyAsync(() => http.GetNodeAsync($"/api/batches/{BatchId}"), s => (string)s["status"]! == "finished",
            TimeSpan.FromMinutes(1), "the batch finished");

        var created = await http.PostAsync(new Uri($"/api/batches/{BatchId}/exports", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var export = await created.ReadNodeAsync();
        var exportId = (string)export["exportId"]!;
        Assert.Equal($"/api/batches/{BatchId}/exports/{exportId}", created.Headers.Location?.OriginalString);
        Assert.Equal(["dataset.jsonl", "sft.jsonl", "excluded.jsonl", "agreement.json", "README.md"],
            export["files"]!.AsArray().Select(f => (string)f!["name"]!));
        Assert.Equal(2, (int)export["files"]![1]!["lines"]!);

        var sft = await http.GetAsync(new Uri($"/api/batches/{BatchId}/exports/{exportId}/sft.jsonl", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, sft.StatusCode);
        Assert.Equal("application/x-ndjson", sft.Content.Headers.ContentType?.MediaType);
        var lines = (await sft.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(2, lines.Count);
        Assert.StartsWith("第一题：最可能的诊断是？\nA. Option A text", (string)lines[0]["Question"]!, StringComparison.Ordinal);
        Assert.Equal("B. Option B text", (string)lines[0]["Response"]!);
        Assert.EndsWith("Therefore the answer is B.", (string)lines[0]["Complex_CoT"]!, StringComparison.Ordinal);
        Assert.Equal((long)export["files"]![1]!["bytes"]!, sft.Content.Headers.ContentLength);

        var card = await http.GetAsync(new Uri($"/api/batches/{BatchId}/exports/{exportId}/README.md", UriKind.Relative));
        Assert.Equal("text/markdown", card.Content.Headers.ContentType?.MediaType);
        var agreement = await http.GetAsync(new Uri($"/api/batches/{BatchId}/exports/{exportId}/agreement.json", UriKind.Relative));
        Assert.Equal("application/json", agreement.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/api/batches/ex-none/exports/20260101-000000-abcdef/sft.jsonl")]
    [InlineData("/api/batches/ex-http/exports/no-such-export/sft.jsonl")]
    [InlineData("/api/batches/ex-http/exports/20260101-000000-abcdef/input.jsonl")]
    public async Task GetExportFile_Unknown_NotFound(string url)
    {
        var response = await host.Http.GetAsync(new Uri(url, UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task PostExport_UnknownBatch_NotFound()
    {
        var response = await host.Http.PostAsync(new Uri("/api/batches/ex-none/exports", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
