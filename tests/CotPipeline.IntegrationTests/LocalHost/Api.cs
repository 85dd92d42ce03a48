using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CotPipeline.IntegrationTests.LocalHost;

/// <summary>Small helpers over the operator API, as a user with curl would call it.</summary>
internal static class Api
{
    public const string ProblemJson = "application/problem+json";

    public static readonly string[] Criteria =
        ["medical_correctness", "reasoning_structure", "information_sufficiency", "terminology_clarity", "clinical_value"];

    public static Task<HttpResponseMessage> PostJsonlAsync(this HttpClient http, string url, string jsonl) =>
        http.PostAsync(new Uri(url, UriKind.Relative), new StringContent(jsonl, Encoding.UTF8, "application/x-ndjson"));

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient http, string url, object body) =>
        http.PostAsync(new Uri(url, UriKind.Relative), new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));

    public static async Task<JsonNode> GetNodeAsync(this HttpClient http, string url)
    {
        var response = await http.GetAsync(new Uri(url, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {url}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    public static async Task<JsonNode> ReadNodeAsync(this HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

    public static object Review(string assignmentId, string verdict, int[] scores, string? rewrite = null, Dictionary<string, string>? comments = null) => new
    {
        assignmentId,
        verdict,
        scores = Criteria.Select((c, i) => (c, scores[i])).ToDictionary(p => p.c, p => p.Item2),
        comments = comments ?? [],
        rewrite,
    };

    public static string Item(string id, string department, string question, string answer = "B") =>
        new JsonObject
        {
            ["id"] = id,
            ["department"] = department,
            ["question"] = question,
            ["options"] = new JsonObject { ["A"] = "Option A text", ["B"] = "Option B text", ["C"] = "Option C text", ["D"] = "Option D text" },
            ["answer"] = answer,
        }.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    /// <summary>Polls until <paramref name="condition"/> holds, failing with the last state when it never does.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        T last;
        while (true)
        {
            last = await probe();
            if (condition(last))
            {
                return last;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {timeout.TotalSeconds:0} s waiting for {what}; last: {last}");
            }

            await Task.Delay(250);
        }
    }

    public static async Task<List<JsonNode>> OpenAssignmentsAsync(this HttpClient http, string batchId) =>
        (await http.GetNodeAsync($"/api/assignments?batchId={batchId}")).AsArray().Select(a => a!).ToList();

    /// <summary>
    /// Simulated reviewers for the fault tests: until stopped, every open review assignment of the batch gets the review
    /// <paramref name="review"/> gives for it (a verdict and the body to post); calls that fail while the host or its storage
    /// is away are tried again a moment later. Records each review the API accepted (202), with its verdict. The client is
    /// asked for on every round: a restarted host comes with a new one.
    /// </summary>
    /// <summary>How many simulated reviewers submit at once.</summary>
    private const int Reviewers = 8;

    public static async Task ReviewUntilStoppedAsync(Func<HttpClient> client, string batchId, Func<JsonNode, (string Verdict, object Body)> review,
        ConcurrentDictionary<string, string> accepted, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var http = client();
                var due = (await http.OpenAssignmentsAsync(batchId))
                    .Where(a => (string)a["kind"]! == "review" && !accepted.ContainsKey((string)a["assignmentId"]!));
                // Reviewers work side by side, as physicians do: one at a time the driver, not the system, would set the pace.
                await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = Reviewers }, async (a, _) =>
                {
                    var (verdict, body) = review(a);
                    if ((await http.PostJsonAsync("/api/reviews", body)).StatusCode == HttpStatusCode.Accepted)
                    {
                        accepted[(string)a["assignmentId"]!] = verdict;
                    }
                });
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or Xunit.Sdk.XunitException)
            {
                // The host or its storage is away: try again in a moment.
            }

            await Task.Delay(200, CancellationToken.None);
        }
    }

    /// <summary>Asserts the status; on a mismatch the failure shows the body and, when given, the tail of the host's log.</summary>
    public static async Task AssertStatusAsync(this Task<HttpResponseMessage> request, HttpStatusCode status, Func<string>? hostLog = null)
    {
        using var response = await request;
        if (response.StatusCode != status)
        {
            var log = hostLog?.Invoke() ?? "";
            Assert.Fail($"expected {(int)status}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}"
                + (log.Length > 0 ? $"\nhost log (tail):\n{log[^Math.Min(log.Length, 6000)..]}" : ""));
        }
    }

    /// <summary>Asserts the status, the Problem Details media type and that "detail" holds each expected piece.</summary>
    public static async Task<JsonNode> AssertProblemAsync(this HttpResponseMessage response, HttpStatusCode status, params string[] expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal(ProblemJson, response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!;
        Assert.Equal((int)status, (int)problem["status"]!);
        var detail = (string)problem["detail"]!;
        foreach (var piece in expected)
        {
            Assert.Contains(piece, detail, StringComparison.Ordinal);
        }

        return problem;
    }

    /// <summary>
    /// Null when the response is the expected Problem Details answer, else what came instead: for tests that try many
    /// bad inputs and report every mismatch at once.
    /// </summary>
    public static async Task<string?> ProblemMismatchAsync(this HttpResponseMessage response, HttpStatusCode status, string expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        var matches = response.StatusCode == status && response.Content.Headers.ContentType?.MediaType == ProblemJson
            && ((string?)JsonNode.Parse(text)?["detail"] ?? "").Contains(expected, StringComparison.Ordinal);
        return matches ? null : $"expected {(int)status} with \"{expected}\", got {(int)response.StatusCode} {text}";
    }
}
