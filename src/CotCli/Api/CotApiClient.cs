using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace CotCli.Api;

/// <summary>
/// The operator API over HTTP (a typed client of <see cref="IHttpClientFactory"/>): uploads and downloads are streamed,
/// every error status becomes an <see cref="ApiException"/> carrying the Problem Details body.
/// </summary>
public sealed class CotApiClient(HttpClient http)
{
    /// <summary>How long a small JSON request may take; uploads, exports and downloads are not limited (they can be large).</summary>
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(100);

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    /// <summary>The address requests go to, for messages.</summary>
    public Uri BaseAddress => http.BaseAddress!;

    /// <summary><c>POST /api/batches[?batchId=]</c> with the JSONL file streamed as <c>application/x-ndjson</c>.</summary>
    public async Task<SubmitResult> SubmitBatchAsync(FileInfo file, string? batchId, CancellationToken ct)
    {
        var url = batchId is null ? "api/batches" : $"api/batches?batchId={Uri.EscapeDataString(batchId)}";
        await using var body = file.OpenRead();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = FileContent(body, "application/x-ndjson") };
        return await SendJsonAsync<SubmitResult>(request, timeout: null, ct);
    }

    /// <summary><c>GET /api/batches/{batchId}</c>.</summary>
    public Task<BatchStatus> GetBatchAsync(string batchId, CancellationToken ct) =>
        GetJsonAsync<BatchStatus>($"api/batches/{Segment(batchId)}", ct);

    /// <summary><c>GET /api/batches</c>.</summary>
    public Task<List<BatchSummary>> ListBatchesAsync(CancellationToken ct) =>
        GetJsonAsync<List<BatchSummary>>("api/batches", ct);

    /// <summary><c>GET /api/batches/{batchId}/items/{itemId}</c>.</summary>
    public Task<ItemTrail> GetItemAsync(string batchId, string itemId, CancellationToken ct) =>
        GetJsonAsync<ItemTrail>($"api/batches/{Segment(batchId)}/items/{Segment(itemId)}", ct);

    /// <summary><c>POST /api/batches/{batchId}/exports</c>: exports the batch now.</summary>
    public async Task<ExportResult> CreateExportAsync(string batchId, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/batches/{Segment(batchId)}/exports");
        return await SendJsonAsync<ExportResult>(request, timeout: null, ct);
    }

    /// <summary>Streams one file of an export into <paramref name="destination"/>.</summary>
    public async Task DownloadExportFileAsync(string batchId, string exportId, string file, Stream destination, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/batches/{Segment(batchId)}/exports/{Segment(exportId)}/{Segment(file)}");
        using var response = await SendAsync(request, timeout: null, ct);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        await body.CopyToAsync(destination, ct);
    }

    /// <summary><c>POST /api/reviewers</c> with the file as it is: a JSON array, or CSV as <c>text/csv</c>.</summary>
    public async Task<StoredReviewers> ImportReviewersAsync(FileInfo file, string mediaType, CancellationToken ct)
    {
        await using var body = file.OpenRead();
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/reviewers") { Content = FileContent(body, mediaType) };
        return await SendJsonAsync<StoredReviewers>(request, RequestTimeout, ct);
    }

    private async Task<T> GetJsonAsync<T>(string url, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        return await SendJsonAsync<T>(request, RequestTimeout, ct);
    }

    private async Task<T> SendJsonAsync<T>(HttpRequestMessage request, TimeSpan? timeout, CancellationToken ct)
    {
        using var response = await SendAsync(request, timeout, ct);
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(JsonOptions, ct)
                ?? throw new JsonException("the body is null");
        }
        catch (JsonException e)
        {
            throw new ApiException(Describe(request), response.StatusCode, response.ReasonPhrase, null, $"an answer the CLI cannot read ({e.Message})");
        }
    }

    /// <summary>Sends the request and returns a successful response with its body unread (the caller disposes it).</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, TimeSpan? timeout, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (timeout is { } t)
        {
            limit.CancelAfter(t);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"{Describe(request)} did not answer within {timeout!.Value.TotalSeconds:0} s.");
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await ErrorAsync(request, response, ct);
        }
    }

    private static async Task<ApiException> ErrorAsync(HttpRequestMessage request, HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        var problem = response.Content.Headers.ContentType?.MediaType is "application/problem+json" or "application/json" ? ReadProblem(text) : null;
        var body = (text.Length > 500 ? text[..500] + "…" : text).Trim();
        return new ApiException(Describe(request), response.StatusCode, response.ReasonPhrase, problem, body.Length == 0 ? null : body);
    }

    /// <summary>The Problem Details in <paramref name="json"/>; null when it has none of their members (the raw body is shown instead).</summary>
    private static Problem? ReadProblem(string json)
    {
        try
        {
            var problem = JsonSerializer.Deserialize<Problem>(json, JsonOptions);
            return problem is { Title: not null } or { Detail: not null } or { Errors: not null } ? problem : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static StreamContent FileContent(Stream body, string mediaType)
    {
        var content = new StreamContent(body, 81920);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType) { CharSet = "utf-8" };
        return content;
    }

    private static string Segment(string value) => Uri.EscapeDataString(value);

    /// <summary>"GET /api/batches/demo": the request as the operator would write it, without the host.</summary>
    private static string Describe(HttpRequestMessage request) => request.RequestUri switch
    {
        { IsAbsoluteUri: true } absolute => $"{request.Method} {absolute.AbsolutePath}",
        { } relative => $"{request.Method} /{relative.OriginalString.Split('?')[0]}",
        null => request.Method.ToString(),
    };
}
