using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using CotPipeline.Http;
using CotPipeline.IntegrationTests.Infrastructure;

namespace CotPipeline.IntegrationTests.LocalHost;

/// <summary>
/// Every input path of the API over real HTTP with malformed, hostile and oversized data: each is refused with a
/// clear Problem Details answer, and nothing already stored is lost or changed. Batch and reviewer ids start "in-".
/// </summary>
[Collection(LocalHostCollection.Name)]
public sealed class InputApiTests(LocalHostFixture host)
{
    private const int UploadLimit = 4 * 1024 * 1024;
    private const int ReviewLimit = 256 * 1024;

    private static readonly string[] Reviewers = ["in-rev1", "in-rev2"];
    private static readonly int[] Good = [5, 4, 4, 5, 4];

    private HttpClient Http => host.Http;

    [Fact]
    public async Task PostBatches_BadLines_400ListsEachLineAndStoresNothing()
    {
        const string batchId = "in-badlines";
        var jsonl = string.Join('\n',
            Api.Item("p1", "neurology", "Fine question?"),
            "{\"id\":\"p2\",\"question\":\"Truncated",
            Api.Item("p3", "neurology", "Answer outside the options?", answer: "E"),
            Api.Item("p1", "neurology", "Same id again?"),
            "[\"not\", \"an\", \"object\"]");

        var response = await Http.PostJsonlAsync($"/api/batches?batchId={batchId}", jsonl);

        var problem = await Api.AssertProblemAsync(response, HttpStatusCode.BadRequest,
            "4 line(s) of the upload are not valid; nothing was stored or started. First: line 2: not valid JSON (");
        var errors = problem["errors"]!.AsArray().Select(e => (string)e!).ToList();
        Assert.Equal(4, errors.Count);
        Assert.StartsWith("line 2: not valid JSON (", errors[0], StringComparison.Ordinal);
        Assert.Equal("line 3: field \"answer\" is \"E\" but options are A–D", errors[1]);
        Assert.Equal("line 4: duplicate id \"p1\" (first used on line 1)", errors[2]);
        Assert.Equal("line 5: expected a JSON object, got an array", errors[3]);
        Assert.Equal(4, (int)problem["errorCount"]!);
        await AssertNothingStoredAsync(batchId);
    }

    [Fact]
    public async Task PostBatches_InvalidUtf8_400NamesTheLine()
    {
        const string batchId = "in-utf8";
        byte[] body = [.. Encoding.UTF8.GetBytes(Api.Item("p1", "neurology", "Fine?") + "\n"), .. "{\"id\":\"p2\",\"question\":\""u8, 0xC3, 0x28, .. "\"}\n"u8];
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/x-ndjson");

        var response = await Http.PostAsync(new Uri($"/api/batches?batchId={batchId}", UriKind.Relative), content);

        await Api.AssertProblemAsync(response, HttpStatusCode.BadRequest, "1 line(s)", "line 2: the text is not valid UTF-8");
        await AssertNothingStoredAsync(batchId);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PostBatches_OverUploadLimit_413StoresNothingAndSameIdWorksAfterwards(bool chunked)
    {
        var batchId = chunked ? "in-big-chunked" : "in-big";
        var line = Api.Item("p0", "neurology", new string('q', 900));
        var lines = Enumerable.Range(0, (UploadLimit / line.Length) + 10).Select(i => Api.Item($"p{i}", "neurology", new string('q', 900)));
        var body = Encoding.UTF8.GetBytes(string.Join('\n', lines));
        Assert.True(body.Length > UploadLimit);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/batches?batchId={batchId}", UriKind.Relative))
        {
            Content = new ByteArrayContent(body),
        };
        request.Headers.TransferEncodingChunked = chunked;

        var response = await Http.SendAsync(request);

        await Api.AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge,
            $"The upload is larger than {UploadLimit:N0} bytes; split it into several batches.");
        await AssertNothingStoredAsync(batchId);

        var retry = await Http.PostJsonlAsync($"/api/batches?batchId={batchId}", Api.Item("p1", "neurology", "Small enough?"));
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        Assert.Equal(1, (int)(await Http.GetNodeAsync($"/api/batches/{batchId}"))["items"]!);
    }

    [Fact]
    public async Task PostBatches_SameIdTwice_DuplicateWithNoNewWorkAndDifferentContent409()
    {
        const string batchId = "in-dup";
        var jsonl = string.Join('\n', Api.Item("p1", "neurology", "First?"), Api.Item("p2", "neurology", "Second?"));
        Assert.Equal(HttpStatusCode.Accepted, (await Http.PostJsonlAsync($"/api/batches?batchId={batchId}", jsonl)).StatusCode);
        var input = Container().GetBlobClient($"batches/{batchId}/input.jsonl");
        var before = (await input.GetPropertiesAsync()).Value;

        var again = await Http.PostJsonlAsync($"/api/batches?batchId={batchId}", jsonl);

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var duplicate = await again.ReadNodeAsync();
        Assert.True((bool)duplicate["duplicate"]!);
        Assert.Equal(batchId, (string)duplicate["batchId"]!);
        Assert.Equal(2, (int)duplicate["items"]!);
        Assert.Equal(before.ETag, (await input.GetPropertiesAsync()).Value.ETag);
        Assert.Equal(2, await CountItemRowsAsync(batchId));

        var different = await Http.PostJsonlAsync($"/api/batches?batchId={batchId}", Api.Item("p1", "neurology", "Changed?"));

        await Api.AssertProblemAsync(different, HttpStatusCode.Conflict,
            $"Batch \"{batchId}\" already exists with a different upload; choose another batchId or omit it.");
        Assert.Equal(before.ETag, (await input.GetPropertiesAsync()).Value.ETag);
        Assert.Equal(2, await CountItemRowsAsync(batchId));
    }

    [Theory]
    [InlineData("in.dot", "query parameter \"batchId\" \"in.dot\" may contain only letters, digits, '_' and '-'.")]
    [InlineData("..%2Fetc", "query parameter \"batchId\" \"../etc\" may contain only letters, digits, '_' and '-'.")]
    [InlineData("in%20space", "query parameter \"batchId\" \"in space\" may contain only letters, digits, '_' and '-'.")]
    [InlineData("%E4%B8%AD%E6%96%87", "query parameter \"batchId\" \"中文\" may contain only letters, digits, '_' and '-'.")]
    [InlineData("in-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "query parameter \"batchId\" is 65 characters long; at most 64 are allowed.")]
    public async Task PostBatches_InvalidBatchIdQuery_400(string query, string expected)
    {
        var response = await Http.PostJsonlAsync($"/api/batches?batchId={query}", Api.Item("p1", "neurology", "Fine?"));

        await Api.AssertProblemAsync(response, HttpStatusCode.BadRequest, expected);
    }

    [Theory]
    [InlineData("{\"assignmentId\": \"in-x.p1.1.in-rev1\", \"verdict\": }", "The body is not valid JSON at line 1, position 50.")]
    [InlineData("{\n  \"assignmentId\": \"in-x.p1.1.in-rev1\",\n  verdict: \"accept\"\n}", "The body is not valid JSON at line 3, position 3.")]
    [InlineData("null", "The body is JSON null; send a JSON object.")]
    [InlineData("", "The body is empty; send a JSON object.")]
    [InlineData("[1, 2]", "The body must be a JSON object.")]
    [InlineData("\"accept\"", "The body must be a JSON object.")]
    [InlineData("{\"verdict\": \"accept\"}", "Field \"assignmentId\" is missing.")]
    [InlineData("{\"assignmentId\": 42}", "Field \"assignmentId\" has the wrong type, or a value this API does not know.")]
    [InlineData("{\"assignmentId\": \"in-x.p1.one.in-rev1\"}", "Field \"assignmentId\" \"in-x.p1.one.in-rev1\" is not an assignment id (batch.item.round.reviewer).")]
    [InlineData("{\"assignmentId\": \"../in-x.p1.1.in-rev1\"}", "Field \"assignmentId\" \"../in-x.p1.1.in-rev1\" is not an assignment id")]
    [InlineData("{\"assignmentId\": \"in-x.p1.1\"}", "Field \"assignmentId\" \"in-x.p1.1\" is not an assignment id")]
    public async Task PostReviews_MalformedBody_400SaysWhatIsWrong(string body, string expected)
    {
        var response = await PostRawAsync("/api/reviews", body);

        await Api.AssertProblemAsync(response, HttpStatusCode.BadRequest, expected);
    }

    [Fact]
    public async Task PostReviews_UnknownAssignment_404()
    {
        var response = await Http.PostJsonAsync("/api/reviews", Api.Review("in-none.p1.1.in-rev1", "accept", Good));

        await Api.AssertProblemAsync(response, HttpStatusCode.NotFound, "There is no review assignment \"in-none.p1.1.in-rev1\".");
    }

    [Fact]
    public async Task PostReviews_BodyOverLimit_413()
    {
        var review = Api.Review("in-none.p1.1.in-rev1", "accept", Good, comments: new() { ["general"] = new string('c', ReviewLimit) });

        var response = await Http.PostJsonAsync("/api/reviews", review);

        await Api.AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, $"The body is larger than {ReviewLimit:N0} bytes.");
    }

    [Fact]
    public async Task PostReviews_InvalidReviewsOnOpenAssignment_400EachAndAssignmentStaysOpenForAValidReview()
    {
        const string batchId = "in-review";
        await RegisterReviewersAsync(active: true);
        try
        {
            Assert.Equal(HttpStatusCode.Accepted,
                (await Http.PostJsonlAsync($"/api/batches?batchId={batchId}", Api.Item("p1", "neurology", "Which option is right?"))).StatusCode);
            var open = await Api.EventuallyAsync(() => Http.OpenAssignmentsAsync(batchId), a => a.Count == 2, TimeSpan.FromMinutes(3), "2 open assignments");
            var id = (string)open[0]["assignmentId"]!;
            var scores = Api.Criteria.Zip(Good).ToDictionary(p => p.First, p => (object)p.Second);
            JsonObject Body(Action<JsonObject> change)
            {
                var body = new JsonObject
                {
                    ["assignmentId"] = id,
                    ["verdict"] = "accept",
                    ["scores"] = JsonSerializer.SerializeToNode(scores),
                };
                change(body);
                return body;
            }

            var cases = new (string Name, JsonObject Body, string Expected)[]
            {
                ("missing verdict", Body(b => b.Remove("verdict")), "Field \"verdict\" is missing: use \"accept\" or \"needs-revision\"."),
                ("null verdict", Body(b => b["verdict"] = null), "Field \"verdict\" is missing: use \"accept\" or \"needs-revision\"."),
                ("unknown verdict", Body(b => b["verdict"] = "approve"), "Field \"verdict\" has the wrong type, or a value this API does not know."),
                ("numeric verdict", Body(b => b["verdict"] = 0), "Field \"verdict\" has the wrong type, or a value this API does not know."),
                ("missing scores", Body(b => b.Remove("scores")), "Field \"scores\" is missing: give a score for medical_correctness, reasoning_structure,"),
                ("score above scale", Body(b => b["scores"]!["medical_correctness"] = 6), "Score for \"medical_correctness\" is 6; the scale is 1–5."),
                ("score below scale", Body(b => b["scores"]!["clinical_value"] = 0), "Score for \"clinical_value\" is 0; the scale is 1–5."),
                ("fractional score", Body(b => b["scores"]!["clinical_value"] = 4.5), "Field \"scores.clinical_value\" has the wrong type, or a value this API does not know."),
                ("missing criterion", Body(b => b["scores"]!.AsObject().Remove("terminology_clarity")), "Score for \"terminology_clarity\" is missing."),
                ("unknown criterion", Body(b => b["scores"]!["bedside_manner"] = 5), "Score \"bedside_manner\" is not a criterion of this batch's rubric."),
                ("comment on unknown criterion", Body(b => b["comments"] = new JsonObject { ["bedside_manner"] = "Kind." }),
                    "Comment \"bedside_manner\" is not a criterion of this batch's rubric (or \"general\")."),
                ("over-long comment", Body(b => b["comments"] = new JsonObject { ["general"] = new string('c', ReviewApi.MaxCommentChars + 1) }),
                    "Comment on \"general\" is 4,001 characters long; at most 4,000 are allowed."),
                ("rewrite with one step", Body(b => b["rewrite"] = "1. The answer is B because it is."),
                    "Field \"rewrite\" has fewer than 2 steps; write one step per line."),
                ("over-long rewrite", Body(b => b["rewrite"] = string.Join('\n', Enumerable.Repeat("A step that repeats itself.", 400))),
                    "Field \"rewrite\" is 11,199 characters long; at most 8,000 are allowed."),
            };

            var failures = new List<string>();
            foreach (var (name, body, expected) in cases)
            {
                if (await (await PostRawAsync("/api/reviews", body.ToJsonString())).ProblemMismatchAsync(HttpStatusCode.BadRequest, expected) is { } mismatch)
                {
                    failures.Add($"{name}: {mismatch}");
                }
            }

            Assert.True(failures.Count == 0, string.Join('\n', failures));
            var still = await Http.OpenAssignmentsAsync(batchId);
            Assert.Contains(still, a => (string)a["assignmentId"]! == id && (string)a["status"]! == "open");
            Assert.Equal(0, await CountRowsAsync("CotReviews", $"{batchId}:p1"));

            var valid = await Http.PostJsonAsync("/api/reviews", Api.Review(id, "accept", Good, comments: new() { ["general"] = "Clear." }));

            Assert.Equal(HttpStatusCode.Accepted, valid.StatusCode);
            Assert.True((bool)(await valid.ReadNodeAsync())["counted"]!);
            var replay = await Http.PostJsonAsync("/api/reviews", Api.Review(id, "needs-revision", Good));
            await Api.AssertProblemAsync(replay, HttpStatusCode.Conflict, $"A review for assignment \"{id}\" was already submitted at");
            Assert.Equal(1, await CountRowsAsync("CotReviews", $"{batchId}:p1"));
        }
        finally
        {
            // Reviewers are global in the shared host: leave none of ours taking work from other test classes.
            await RegisterReviewersAsync(active: false);
        }
    }

    [Fact]
    public async Task PostBatches_HostileText_StoredAndReturnedVerbatimAsJsonStrings()
    {
        const string batchId = "in-hostile";
        const string question = "<script>alert(1)</script> <img src=x onerror=alert(1)> javascript:alert(1) " +
            "患者，男，58岁，胸痛伴大汗。\"quoted\" \\backslash\\ </script><!-- \u2028 \t end";
        var line = new JsonObject
        {
            ["id"] = "x1",
            ["department"] = "<b>心内科</b>",
            ["question"] = question,
            ["options"] = new JsonArray("<svg onload=alert(1)>", "javascript:alert(1)", "正常"),
            ["answer"] = "C",
            ["metadata"] = new JsonObject { ["source"] = "<iframe src=\"javascript:alert(1)\">" },
        }.ToJsonString();
        var upload = Encoding.UTF8.GetBytes(line + "\n");
        using var content = new ByteArrayContent(upload);
        content.Headers.ContentType = new("application/x-ndjson");

        Assert.Equal(HttpStatusCode.Accepted,
            (await Http.PostAsync(new Uri($"/api/batches?batchId={batchId}", UriKind.Relative), content)).StatusCode);
        var response = await Http.GetAsync(new Uri($"/api/batches/{batchId}/items/x1", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var item = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["item"]!;
        Assert.Equal(question, (string)item["question"]!);
        Assert.Equal("<b>心内科</b>", (string)item["department"]!);
        Assert.Equal("<svg onload=alert(1)>", (string)item["options"]!["A"]!);
        Assert.Equal("javascript:alert(1)", (string)item["options"]!["B"]!);
        Assert.Equal("<iframe src=\"javascript:alert(1)\">", (string)item["metadata"]!["source"]!);
        var stored = await Container().GetBlobClient($"batches/{batchId}/input.jsonl").DownloadContentAsync();
        Assert.Equal(upload, stored.Value.Content.ToArray());
    }

    [Fact]
    public async Task PostReviewers_BadRows_400ListsEachByIndexAndStoresNothing()
    {
        var rows = new JsonArray(
            Reviewer("in-ok1", "Ok One", "ok1@example.org"),
            Reviewer("in-ok2", "Ok Two", "not-an-email"),
            Reviewer("in-ok3", null, "ok3@example.org"),
            Reviewer("in bad", "Bad Id", "bad@example.org"),
            Reviewer("in-ok5", "No Departments", "ok5@example.org", departments: []),
            Reviewer("in-ok1", "Ok One Again", "again@example.org"),
            null,
            Reviewer("in-ok8", "Display Name", "Eve <eve@example.org>"),
            Reviewer("in-ok9", "Zero Capacity", "ok9@example.org", capacity: 0));

        var response = await PostRawAsync("/api/reviewers", rows.ToJsonString());

        var problem = await Api.AssertProblemAsync(response, HttpStatusCode.BadRequest, "8 problem(s); nothing was stored. First: reviewer 2:");
        Assert.Equal(
            [
                "reviewer 2: \"email\" \"not-an-email\" is not an e-mail address",
                "reviewer 3: \"name\" is required (at most 200 characters)",
                "reviewer 4: \"id\" \"in bad\" may contain only letters, digits, '_' and '-'",
                "reviewer 5: \"departments\" needs at least one department (at most 64 characters each; no '|', ';' or control characters); \"*\" means any",
                "reviewer 7: is null; send an object with \"id\", \"name\", \"email\" and \"departments\"",
                "reviewer 8: \"email\" \"Eve <eve@example.org>\" is not an e-mail address",
                "reviewer 9: \"capacity\" is 0; between 1 and 10,000 open assignments are allowed",
                "reviewers 1, 6: id \"in-ok1\" appears 2 times",
            ],
            problem["errors"]!.AsArray().Select(e => (string)e!));
        var listed = (await Http.GetNodeAsync("/api/reviewers")).AsArray().Select(r => (string)r!["id"]!).ToList();
        Assert.DoesNotContain(listed, id => id.StartsWith("in-ok", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{\"id\": \"in-solo\", \"name\": \"Solo\", \"email\": \"solo@example.org\", \"departments\": [\"*\"]}", "The body must be a JSON array.")]
    [InlineData("[]", "Send between 1 and 1000 reviewers; got 0.")]
    [InlineData("null", "The body is JSON null; send a JSON array.")]
    [InlineData("[{\"id\": \"in-solo\", \"departments\": \"*\"}]", "Field \"[0].departments\" has the wrong type, or a value this API does not know.")]
    [InlineData("[{\"id\": \"in-solo\",]", "The body is not valid JSON at line 1, position 19.")]
    public async Task PostReviewers_NotAnArrayOfReviewers_400(string body, string expected)
    {
        var response = await PostRawAsync("/api/reviewers", body);

        await Api.AssertProblemAsync(response, HttpStatusCode.BadRequest, expected);
    }

    [Fact]
    public async Task PostAdjudications_BadRequests_404And409And400AndNothingStored()
    {
        const string batchId = "in-adjudicate";
        var submitted = await Http.PostJsonlAsync($"/api/batches?batchId={batchId}", Api.Item("p1", "neurology", "Which option is right?"));
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        var exclude = new { batchId, itemId = "p1", adjudicatorId = "in-adj", decision = "exclude", reason = "Ambiguous stem." };

        await Api.AssertProblemAsync(await PostRawAsync("/api/adjudications", "{}"), HttpStatusCode.BadRequest, "field \"batchId\" is missing.");
        await Api.AssertProblemAsync(await Http.PostJsonAsync("/api/adjudications", new { batchId, itemId = "p1" }),
            HttpStatusCode.BadRequest, "field \"adjudicatorId\" is missing.");
        await Api.AssertProblemAsync(await Http.PostJsonAsync("/api/adjudications", exclude with { itemId = "p.1" }),
            HttpStatusCode.BadRequest, "field \"itemId\" \"p.1\" may contain only letters, digits, '_' and '-'.");
        await Api.AssertProblemAsync(await PostRawAsync("/api/adjudications", $"{{\"batchId\":\"{batchId}\",\"itemId\":\"p1\",\"adjudicatorId\":\"in-adj\",\"decision\":\"maybe\"}}"),
            HttpStatusCode.BadRequest, "Field \"decision\" has the wrong type, or a value this API does not know.");
        await Api.AssertProblemAsync(await Http.PostJsonAsync("/api/adjudications", new { batchId = "in-none", itemId = "p1", adjudicatorId = "in-adj", decision = "exclude", reason = "x" }),
            HttpStatusCode.NotFound, "Batch \"in-none\" has no item \"p1\".");
        await Api.AssertProblemAsync(await Http.PostJsonAsync("/api/adjudications", new { batchId, itemId = "p9", adjudicatorId = "in-adj", decision = "exclude", reason = "x" }),
            HttpStatusCode.NotFound, $"Batch \"{batchId}\" has no item \"p9\".");
        await Api.AssertProblemAsync(await Http.PostJsonAsync("/api/adjudications", exclude),
            HttpStatusCode.Conflict, "Item \"p1\" is ", "; only items at the strike cap are adjudicated.");

        Assert.False(await Container().GetBlobClient($"items/{batchId}/p1/adjudication.json").ExistsAsync());
    }

    public static TheoryData<string, string, string?> RoutesAndKeys()
    {
        var data = new TheoryData<string, string, string?>();
        foreach (var (method, route) in ApiRouteTable.All)
        {
            var path = "/" + ApiRouteTable.Prefix + "/" + route.Replace("{batchId}", "in-auth", StringComparison.Ordinal)
                .Replace("{itemId}", "p1", StringComparison.Ordinal).Replace("{reviewerId}", "in-auth", StringComparison.Ordinal);
            // Any other placeholder ({exportId}, {file}, …) becomes a plain segment, so each route is reached as a client would.
            path = System.Text.RegularExpressions.Regex.Replace(path, "{[A-Za-z]+}", "x1");
            foreach (var key in new[] { null, "wrong-key-4f1d2c", LocalHostFixture.ApiKey.ToUpperInvariant(), LocalHostFixture.ApiKey + "x" })
            {
                data.Add(method, path, key);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RoutesAndKeys))]
    public async Task EveryRoute_MissingOrWrongKey_401ProblemWithoutEchoingTheKey(string method, string path, string? key)
    {
        using var anonymous = new HttpClient { BaseAddress = Http.BaseAddress, Timeout = TimeSpan.FromMinutes(1) };
        using var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), new Uri(path, UriKind.Relative));
        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }

        if (method == "post")
        {
            request.Content = new StringContent(path.EndsWith("/batches", StringComparison.Ordinal) ? Api.Item("p1", "neurology", "Fine?") : "{}",
                Encoding.UTF8, "application/json");
        }

        var response = await anonymous.SendAsync(request);
        var problem = await Api.AssertProblemAsync(response, HttpStatusCode.Unauthorized, "Send the operator key in the X-Api-Key header.");

        var body = problem.ToJsonString();
        Assert.DoesNotContain(LocalHostFixture.ApiKey, body, StringComparison.OrdinalIgnoreCase);
        if (key is not null)
        {
            Assert.DoesNotContain(key, body, StringComparison.OrdinalIgnoreCase);
        }

        await AssertNothingStoredAsync("in-auth");
    }

    [Theory]
    [InlineData("/api/batches/in-nope", HttpStatusCode.NotFound, "There is no batch \"in-nope\".")]
    [InlineData("/api/batches/in-nope/items", HttpStatusCode.NotFound, "There is no batch \"in-nope\".")]
    [InlineData("/api/batches/in-nope/items/p1", HttpStatusCode.NotFound, "Batch \"in-nope\" has no item \"p1\".")]
    [InlineData("/api/batches/in.nope", HttpStatusCode.BadRequest, "batch id \"in.nope\" may contain only letters, digits, '_' and '-'.")]
    [InlineData("/api/batches/in-nope/items/p%2E1", HttpStatusCode.BadRequest, "item id \"p.1\" may contain only letters, digits, '_' and '-'.")]
    [InlineData("/api/batches/in-dup/items?state=bogus", HttpStatusCode.BadRequest, "Query parameter \"state\" is \"bogus\"; use one of pending, drafting,")]
    [InlineData("/api/assignments?status=bogus", HttpStatusCode.BadRequest, "Query parameter \"status\" is \"bogus\"; use open, submitted, reassigned, closed or all.")]
    [InlineData("/api/assignments?batchId=in.x", HttpStatusCode.BadRequest, "query parameter \"batchId\" \"in.x\" may contain only letters, digits, '_' and '-'.")]
    [InlineData("/api/assignments?reviewerId=%27%20or%20%271%27%20eq%20%271", HttpStatusCode.BadRequest, "query parameter \"reviewerId\" \"' or '1' eq '1\" may contain only")]
    public async Task Get_UnknownOrInvalid_ProblemWithReason(string url, HttpStatusCode status, string expected)
    {
        var response = await Http.GetAsync(new Uri(url, UriKind.Relative));

        await Api.AssertProblemAsync(response, status, expected);
    }

    private static JsonObject Reviewer(string id, string? name, string email, string[]? departments = null, int capacity = 1000) => new()
    {
        ["id"] = id,
        ["name"] = name,
        ["email"] = email,
        ["departments"] = new JsonArray((departments ?? ["*"]).Select(d => (JsonNode?)d).ToArray()),
        ["capacity"] = capacity,
    };

    private async Task RegisterReviewersAsync(bool active)
    {
        var rows = new JsonArray(Reviewers.Select(id =>
        {
            var row = Reviewer(id, $"Input tests {id}", $"{id}@example.org");
            row["active"] = active;
            return (JsonNode?)row;
        }).ToArray());
        var response = await PostRawAsync("/api/reviewers", rows.ToJsonString());
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"POST /api/reviewers: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private Task<HttpResponseMessage> PostRawAsync(string url, string body) =>
        Http.PostAsync(new Uri(url, UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));

    private BlobContainerClient Container() => new BlobServiceClient(host.Azurite.ConnectionString).GetBlobContainerClient("cot");

    /// <summary>No Batches row, no Items rows and no blob of the batch.</summary>
    private async Task AssertNothingStoredAsync(string batchId)
    {
        var tables = new TableServiceClient(host.Azurite.ConnectionString);
        var batches = tables.GetTableClient("CotBatches");
        await batches.CreateIfNotExistsAsync();
        Assert.False((await batches.GetEntityIfExistsAsync<TableEntity>("batches", batchId)).HasValue, $"a Batches row for {batchId} was stored");
        Assert.Equal(0, await CountItemRowsAsync(batchId));

        var container = Container();
        if (!await container.ExistsAsync())
        {
            return;
        }

        foreach (var prefix in new[] { $"batches/{batchId}/", $"items/{batchId}/" })
        {
            await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, CancellationToken.None))
            {
                Assert.Fail($"blob {blob.Name} was stored");
            }
        }
    }

    /// <summary>Item rows only: the batch's counter rows (<see cref="CotPipeline.Storage.ItemCounters"/>) share the partition.</summary>
    private Task<int> CountItemRowsAsync(string batchId) => CountRowsAsync("CotItems", batchId, CotPipeline.Storage.ItemCounters.IsItem);

    private async Task<int> CountRowsAsync(string table, string partitionKey, Func<string, bool>? include = null)
    {
        var client = new TableServiceClient(host.Azurite.ConnectionString).GetTableClient(table);
        await client.CreateIfNotExistsAsync();
        var count = 0;
        await foreach (var row in client.QueryAsync<TableEntity>(e => e.PartitionKey == partitionKey, select: ["PartitionKey", "RowKey"]))
        {
            count += include is null || include(row.RowKey) ? 1 : 0;
        }

        return count;
    }
}
