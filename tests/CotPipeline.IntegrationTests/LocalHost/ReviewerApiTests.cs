using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CotPipeline.IntegrationTests.Infrastructure;
using CotPipeline.Options;
using CotPipeline.Storage;

namespace CotPipeline.IntegrationTests.LocalHost;

/// <summary>
/// The reviewer registry over real HTTP: CSV import, change, deactivation and one reviewer's view. Reviewer ids start
/// "rg-". Reviewers are global in the shared host, so every reviewer here is inactive or at capacity: none takes work
/// from another test class.
/// </summary>
[Collection(LocalHostCollection.Name)]
public sealed class ReviewerApiTests(LocalHostFixture host)
{
    private const string Header = "id,name,email,departments,capacity,adjudicator,active";

    private HttpClient Http => host.Http;

    [Fact]
    public async Task PostReviewersCsv_BomCrlfQuotesAndChinese_StoredAndReadBackAsWritten()
    {
        const string hostile = "<script>alert(1)</script> '; DROP TABLE Reviewers;--";
        var csv = string.Join("\r\n",
            "ID,Name,Email,Departments,Capacity,Adjudicator,Active",
            "rg-zh,\"张伟, 主任医师\",zhang.wei@example.org,\"心内科|急诊科\",5,false,false",
            "rg-quote,\"Dr. \"\"Q\"\" O'Neil\",quote@example.org,cardiology; neurology,,TRUE,false",
            $"rg-hostile,\"{hostile}\",hostile@example.org,<b>derm</b>,,,false",
            "");

        var response = await PostCsvAsync([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(csv)]);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, (int)(await response.ReadNodeAsync())["stored"]!);
        var zh = await Http.GetAsync(new Uri("/api/reviewers/rg-zh", UriKind.Relative));
        Assert.Equal("application/json", zh.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"张伟, 主任医师\"", await zh.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        AssertReviewer(await zh.ReadNodeAsync(), "张伟, 主任医师", "zhang.wei@example.org", ["心内科", "急诊科"], 5, adjudicator: false, active: false, open: 0);
        AssertReviewer(await Http.GetNodeAsync("/api/reviewers/rg-quote"), "Dr. \"Q\" O'Neil", "quote@example.org", ["cardiology", "neurology"], 50,
            adjudicator: true, active: false, open: 0);
        AssertReviewer(await Http.GetNodeAsync("/api/reviewers/rg-hostile"), hostile, "hostile@example.org", ["<b>derm</b>"], 50,
            adjudicator: false, active: false, open: 0);
        var listed = (await Http.GetNodeAsync("/api/reviewers")).AsArray();
        Assert.Equal("张伟, 主任医师", (string)listed.Single(r => (string)r!["id"]! == "rg-zh")!["name"]!);
    }

    [Fact]
    public async Task PostReviewersCsv_BadRows_400ByLineNumberAndNothingStored()
    {
        var csv = string.Join("\n",
            Header,
            "rg-bad-ok,Fine,fine@example.org,*,1,false,false",
            "rg-bad-mail,Bad Mail,x@,*,1,false,false",
            "rg-bad-name,\"Two",
            "Lines\",two@example.org,*,1,false,false",
            "rg-bad-short,Short,short@example.org",
            "rg-bad-cap,Capacity,cap@example.org,*,lots,false,false",
            "rg-bad-ok,Again,again@example.org,*,1,false,false");

        var response = await PostCsvAsync(Encoding.UTF8.GetBytes(csv));

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest,
            "5 problem(s); nothing was stored. First: line 3: \"email\" \"x@\" is not an e-mail address");
        Assert.Equal(
            [
                "line 3: \"email\" \"x@\" is not an e-mail address",
                "line 4: \"name\" contains a line break or another control character",
                "line 6: 3 field(s), but the header names 7 columns",
                "line 7: \"capacity\" is \"lots\"; write a whole number (or leave it empty)",
                "lines 2, 8: id \"rg-bad-ok\" appears 2 times",
            ],
            problem["errors"]!.AsArray().Select(e => (string)e!));
        foreach (var id in new[] { "rg-bad-ok", "rg-bad-mail", "rg-bad-name", "rg-bad-short", "rg-bad-cap" })
        {
            await (await Http.GetAsync(new Uri($"/api/reviewers/{id}", UriKind.Relative))).AssertProblemAsync(HttpStatusCode.NotFound,
                $"There is no reviewer \"{id}\".");
        }
    }

    [Fact]
    public async Task PostReviewersCsv_BadFileAsAWhole_ProblemSaysWhatAndNothingStored()
    {
        string Rows(int count, int nameLength = 8) =>
            Header + "\n" + string.Concat(Enumerable.Range(1, count).Select(i => $"rg-many{i},{new string('n', nameLength)},m{i}@example.org,*,1,false,false\n"));
        var cases = new (string Name, byte[] Body, string ContentType, HttpStatusCode Status, string Expected)[]
        {
            ("unknown column", Encoding.UTF8.GetBytes("id,name,email,departments,pager\nrg-many1,N,n@example.org,*,123\n"), "text/csv", HttpStatusCode.BadRequest,
                "line 1: unknown column \"pager\"; the columns are id, name, email, departments, capacity, adjudicator, active"),
            ("missing column", Encoding.UTF8.GetBytes("id,name,departments\nrg-many1,N,*\n"), "text/csv", HttpStatusCode.BadRequest,
                "line 1: column \"email\" is missing; id, name, email and departments are required"),
            ("no header", [], "text/csv", HttpStatusCode.BadRequest, "line 1: the header row is missing"),
            ("header only", Encoding.UTF8.GetBytes(Header + "\r\n"), "text/csv", HttpStatusCode.BadRequest, "Send between 1 and 1000 reviewers; got 0."),
            ("too many rows", Encoding.UTF8.GetBytes(Rows(1001)), "text/csv; charset=utf-8", HttpStatusCode.BadRequest, "Send between 1 and 1000 reviewers; got 1001."),
            ("over the size limit", Encoding.UTF8.GetBytes(Rows(1000, nameLength: 300)), "text/csv", HttpStatusCode.RequestEntityTooLarge,
                "The body is larger than 262,144 bytes."),
            ("not UTF-8", [.. Encoding.UTF8.GetBytes(Header + "\nrg-many1,"), 0xE9, .. "t\u00E9,n@example.org,*,1,false,false\n"u8], "text/csv",
                HttpStatusCode.BadRequest, "line 2: the text is not valid UTF-8"),
            ("declared Latin-1", Encoding.Latin1.GetBytes(Rows(1)), "text/csv; charset=iso-8859-1", HttpStatusCode.UnsupportedMediaType,
                "The CSV is declared as charset \"iso-8859-1\"; send it as UTF-8."),
        };

        var failures = new List<string>();
        foreach (var (name, body, contentType, status, expected) in cases)
        {
            using var content = new ByteArrayContent(body);
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            if (await (await Http.PostAsync(new Uri("/api/reviewers", UriKind.Relative), content)).ProblemMismatchAsync(status, expected) is { } mismatch)
            {
                failures.Add($"{name}: {mismatch}");
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
        var listed = (await Http.GetNodeAsync("/api/reviewers")).AsArray().Select(r => (string)r!["id"]!).ToList();
        Assert.DoesNotContain(listed, id => id.StartsWith("rg-many", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PatchReviewer_SomeFields_OnlyThoseChange()
    {
        await RegisterInactiveAsync("rg-patch", capacity: 7);

        var response = await Http.PatchAsync(new Uri("/api/reviewers/rg-patch", UriKind.Relative),
            Json(new JsonObject { ["name"] = "王芳", ["capacity"] = 9, ["departments"] = new JsonArray("儿科", "急诊科") }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertReviewer(await response.ReadNodeAsync(), "王芳", "rg-patch@example.org", ["儿科", "急诊科"], 9, adjudicator: false, active: false, open: 0);
        AssertReviewer(await Http.GetNodeAsync("/api/reviewers/rg-patch"), "王芳", "rg-patch@example.org", ["儿科", "急诊科"], 9,
            adjudicator: false, active: false, open: 0);
    }

    [Fact]
    public async Task PatchReviewer_BadInput_400NamingTheFieldAndNothingChanged()
    {
        await RegisterInactiveAsync("rg-patch-bad", capacity: 3);
        var cases = new (string Body, string Expected)[]
        {
            ("{\"email\": \"x@\"}", "\"email\" \"x@\" is not an e-mail address."),
            ("{\"capacity\": 0}", "\"capacity\" is 0; between 1 and 10,000 open assignments are allowed."),
            ("{\"departments\": []}", "\"departments\" needs at least one department"),
            ("{\"departments\": [\"a;b\"]}", "\"departments\" needs at least one department"),
            ("{\"name\": \"Line\\nBreak\"}", "\"name\" contains a line break or another control character."),
            ("{\"name\": \"   \", \"capacity\": 2}", "\"name\" is required (at most 200 characters)."),
            ("{\"capacity\": \"many\"}", "Field \"capacity\" has the wrong type, or a value this API does not know."),
            ("{\"id\": \"rg-other\"}", "Field \"id\" cannot be changed: the reviewer id is the one in the URL."),
            ("{\"capcity\": 5}",
                "Field \"capcity\" is not a reviewer field; send \"name\", \"email\", \"departments\", \"capacity\", \"adjudicator\" or \"active\"."),
            ("{}", "The body changes nothing; send one or more of \"name\","),
            ("{\"name\": null}", "The body changes nothing"),
            ("[{\"name\": \"x\"}]", "The body must be a JSON object."),
            ("{\"name\": ", "The body is not valid JSON"),
        };

        var failures = new List<string>();
        foreach (var (body, expected) in cases)
        {
            var response = await Http.PatchAsync(new Uri("/api/reviewers/rg-patch-bad", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
            if (await response.ProblemMismatchAsync(HttpStatusCode.BadRequest, expected) is { } mismatch)
            {
                failures.Add($"{body}: {mismatch}");
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
        AssertReviewer(await Http.GetNodeAsync("/api/reviewers/rg-patch-bad"), "Registry tests rg-patch-bad", "rg-patch-bad@example.org", ["rg-dept"], 3,
            adjudicator: false, active: false, open: 0);
    }

    [Fact]
    public async Task ReviewerRoutes_WithoutKey_401AndNothingChanged()
    {
        await RegisterInactiveAsync("rg-locked", capacity: 4);
        using var anonymous = new HttpClient { BaseAddress = Http.BaseAddress };

        var patch = await anonymous.PatchAsync(new Uri("/api/reviewers/rg-locked", UriKind.Relative), Json(new JsonObject { ["capacity"] = 99 }));
        var delete = await anonymous.DeleteAsync(new Uri("/api/reviewers/rg-locked", UriKind.Relative));
        var csv = await anonymous.PostAsync(new Uri("/api/reviewers", UriKind.Relative),
            new StringContent(Header + "\nrg-locked,Taken Over,evil@example.org,*,99,true,true\n", Encoding.UTF8, "text/csv"));

        foreach (var response in new[] { patch, delete, csv })
        {
            await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "Send the operator key in the X-Api-Key header.");
        }

        AssertReviewer(await Http.GetNodeAsync("/api/reviewers/rg-locked"), "Registry tests rg-locked", "rg-locked@example.org", ["rg-dept"], 4,
            adjudicator: false, active: false, open: 0);
    }

    [Fact]
    public async Task DeleteReviewer_WithOpenAssignment_DeactivatedRowKeptAndAssignmentStaysOpen()
    {
        // An open assignment first, so the reviewer is at capacity (1) from the moment it is active: it takes no work.
        var store = StorageServiceCollectionExtensions.Create(new StorageOptions { ConnectionString = host.Azurite.ConnectionString });
        await store.EnsureCreatedAsync();
        var assignment = new AssignmentId("rg-batch", "p1", 1, "rg-del");
        await store.Assignments.UpsertEntityAsync(AssignmentRow.Open(assignment, 1, 1, AssignmentKind.Review, DateTimeOffset.UtcNow,
            DateTime.UtcNow.AddDays(1)));
        Assert.Equal(HttpStatusCode.OK,
            (await PostCsvAsync(Encoding.UTF8.GetBytes(Header + "\nrg-del,To Be Deactivated,del@example.org,rg-dept,1,false,true\n"))).StatusCode);
        AssertReviewer(await Http.GetNodeAsync("/api/reviewers/rg-del"), "To Be Deactivated", "del@example.org", ["rg-dept"], 1,
            adjudicator: false, active: true, open: 1);

        var deleted = await Http.DeleteAsync(new Uri("/api/reviewers/rg-del", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        AssertReviewer(await deleted.ReadNodeAsync(), "To Be Deactivated", "del@example.org", ["rg-dept"], 1, adjudicator: false, active: false, open: 1);
        var open = Assert.Single((await Http.GetNodeAsync("/api/assignments?reviewerId=rg-del")).AsArray());
        Assert.Equal((assignment.ToString(), "open"), ((string)open!["assignmentId"]!, (string)open["status"]!));
        Assert.False((bool)(await Http.GetNodeAsync("/api/reviewers")).AsArray().Single(r => (string)r!["id"]! == "rg-del")!["active"]!);

        // Deactivating twice is the same as once; reactivating is a change like any other.
        Assert.Equal(HttpStatusCode.OK, (await Http.DeleteAsync(new Uri("/api/reviewers/rg-del", UriKind.Relative))).StatusCode);
        var reactivated = await Http.PatchAsync(new Uri("/api/reviewers/rg-del", UriKind.Relative), Json(new JsonObject { ["active"] = true }));
        Assert.True((bool)(await reactivated.ReadNodeAsync())["active"]!);
        Assert.False((bool)(await (await Http.DeleteAsync(new Uri("/api/reviewers/rg-del", UriKind.Relative))).ReadNodeAsync())["active"]!);
    }

    [Theory]
    [InlineData("GET", "/api/reviewers/rg-nobody", HttpStatusCode.NotFound, "There is no reviewer \"rg-nobody\".")]
    [InlineData("PATCH", "/api/reviewers/rg-nobody", HttpStatusCode.NotFound, "There is no reviewer \"rg-nobody\".")]
    [InlineData("DELETE", "/api/reviewers/rg-nobody", HttpStatusCode.NotFound, "There is no reviewer \"rg-nobody\".")]
    [InlineData("GET", "/api/reviewers/rg.dot", HttpStatusCode.BadRequest, "reviewer id \"rg.dot\" may contain only letters, digits, '_' and '-'.")]
    [InlineData("PATCH", "/api/reviewers/%E5%BC%A0", HttpStatusCode.BadRequest, "reviewer id \"张\" may contain only letters, digits, '_' and '-'.")]
    [InlineData("DELETE", "/api/reviewers/rg%20x", HttpStatusCode.BadRequest, "reviewer id \"rg x\" may contain only letters, digits, '_' and '-'.")]
    public async Task ReviewerRoute_UnknownOrInvalidId_ProblemWithReason(string method, string url, HttpStatusCode status, string expected)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(url, UriKind.Relative));
        if (method == "PATCH")
        {
            request.Content = Json(new JsonObject { ["capacity"] = 2 });
        }

        await (await Http.SendAsync(request)).AssertProblemAsync(status, expected);
    }

    private async Task RegisterInactiveAsync(string id, int capacity)
    {
        var response = await PostCsvAsync(Encoding.UTF8.GetBytes($"{Header}\n{id},Registry tests {id},{id}@example.org,rg-dept,{capacity},false,false\n"));
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"POST /api/reviewers: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private Task<HttpResponseMessage> PostCsvAsync(byte[] csv)
    {
        var content = new ByteArrayContent(csv);
        content.Headers.ContentType = new("text/csv") { CharSet = "utf-8" };
        return Http.PostAsync(new Uri("/api/reviewers", UriKind.Relative), content);
    }

    private static StringContent Json(JsonObject body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    private static void AssertReviewer(JsonNode reviewer, string name, string email, string[] departments, int capacity, bool adjudicator, bool active, int open)
    {
        Assert.Equal(name, (string)reviewer["name"]!);
        Assert.Equal(email, (string)reviewer["email"]!);
        Assert.Equal(departments, reviewer["departments"]!.AsArray().Select(d => (string)d!));
        Assert.Equal((capacity, adjudicator, active, open),
            ((int)reviewer["capacity"]!, (bool)reviewer["adjudicator"]!, (bool)reviewer["active"]!, (int)reviewer["openAssignments"]!));
    }
}
