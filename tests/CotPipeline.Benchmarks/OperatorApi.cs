using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CotPipeline.Http;
using CotPipeline.Storage;

namespace CotPipeline.Benchmarks;

/// <summary>The operator routes of the local host the scenarios drive, over HTTP with the operator key, as curl would call them.</summary>
internal sealed class OperatorApi(HttpClient http)
{
    /// <summary>An open assignment of <c>GET /api/assignments</c>.</summary>
    public sealed record Assignment(string AssignmentId, string ItemId, string ReviewerId, int Round);

    public async Task AddReviewersAsync(int count, CancellationToken ct)
    {
        var reviewers = Enumerable.Range(1, count)
            .Select(i => new ReviewerDto($"rev{i:D3}", $"Reviewer {i}", $"rev{i:D3}@example.org", ["*"], 10_000, null, true));
        await SendAsync(HttpMethod.Post, "/api/reviewers", Json.Serialize(reviewers), "application/json", HttpStatusCode.OK, ct);
    }

    public Task<string> SubmitBatchAsync(string batchId, string jsonl, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"/api/batches?batchId={batchId}", jsonl, "application/x-ndjson", HttpStatusCode.Accepted, ct);

    public async Task<List<Assignment>> OpenAssignmentsAsync(string batchId, CancellationToken ct)
    {
        var list = JsonNode.Parse(await SendAsync(HttpMethod.Get, $"/api/assignments?batchId={batchId}", null, null, HttpStatusCode.OK, ct))!.AsArray();
        return [.. list.Select(a => new Assignment((string)a!["assignmentId"]!, (string)a["itemId"]!, (string)a["reviewerId"]!, (int)a["round"]!))];
    }

    /// <summary>Submits a review as <c>POST /api/reviews</c>; true when it was counted (202).</summary>
    public async Task<bool> ReviewAsync(ReviewRequest review, CancellationToken ct)
    {
        using var response = await http.PostAsync(new Uri("/api/reviews", UriKind.Relative),
            new StringContent(Json.Serialize(review), Encoding.UTF8, "application/json"), ct);
        return response.StatusCode == HttpStatusCode.Accepted;
    }

    /// <summary>Items of the batch in a final state (verified, excluded or failed), of how many.</summary>
    public async Task<(int Finished, int Items)> ProgressAsync(string batchId, CancellationToken ct)
    {
        var status = JsonNode.Parse(await SendAsync(HttpMethod.Get, $"/api/batches/{batchId}", null, null, HttpStatusCode.OK, ct))!;
        return ((int)status["finished"]!, (int)status["items"]!);
    }

    private async Task<string> SendAsync(HttpMethod method, string url, string? body, string? mediaType, HttpStatusCode expected, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, new Uri(url, UriKind.Relative));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, mediaType!);
        }

        using var response = await http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        return response.StatusCode == expected
            ? text
            : throw new InvalidOperationException($"{method} {url}: {(int)response.StatusCode} {text}");
    }
}
