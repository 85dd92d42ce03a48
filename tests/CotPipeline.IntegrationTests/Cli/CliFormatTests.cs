using System.CommandLine;
using System.Net;
using System.Text.Json;
using CotCli.Api;
using CotCli.Commands;
using CotCli.Output;
using Spectre.Console;

namespace CotPipeline.IntegrationTests.Cli;

/// <summary>What <c>cot</c> prints, in process: optional status fields, Problem Details shapes, partial audit trails.</summary>
public sealed class CliFormatTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public void ProgressLine_AllOptionalFields_CountsThroughputAndEta()
    {
        var status = Status("""
            {"batchId":"b1","status":"running","items":200,"finished":50,"percentDone":25,
             "counts":{"pending":0,"in-review":150,"verified":48,"failed":2},
             "throughput":{"windowMinutes":15,"finishedPerMinute":2.5},"etaSeconds":3750,"eta":"2026-01-31T10:02:30Z",
             "attention":{"awaitingReviewer":3,"adjudication":0,"failed":2,"stuck":["x","y"]}}
            """);

        Assert.Equal("b1: running, 50/200 finished (25.0%) · in-review 150, verified 48, failed 2 · 2.5 items/min · eta 1h 02m (about 2026-01-31 10:02:30 UTC)",
            StatusView.ProgressLine(status));
        var facts = StatusView.Facts(status).ToDictionary(f => f.Label, f => f.Value);
        Assert.Equal("2.5 items/min over the last 15 min", facts["throughput"]);
        Assert.Equal("awaiting-reviewer 3, failed 2, stuck 2", facts["attention"]);
    }

    [Fact]
    public void ProgressLine_OlderServer_OnlyWhatIsThere()
    {
        var status = Status("""{"batchId":"b2","status":"scheduling","items":3,"finished":0,"percentDone":0,"counts":{"pending":3}}""");

        Assert.Equal("b2: scheduling, 0/3 finished (0.0%) · pending 3", StatusView.ProgressLine(status));
        Assert.Equal(["batch", "status", "finished"], StatusView.Facts(status).Select(f => f.Label));
        Assert.False(status.IsOver);
        Assert.True(Status("""{"batchId":"b3","status":"cancelled","items":1,"finished":0,"percentDone":0}""").IsOver);
    }

    [Theory]
    [InlineData(45, "45s")]
    [InlineData(250, "4m 10s")]
    [InlineData(7500, "2h 05m")]
    [InlineData(273600, "3d 04h")]
    public void Duration_Seconds_TwoUnitsAtMost(double seconds, string expected) =>
        Assert.Equal(expected, Formats.Duration(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void ErrorLines_MoreErrorsThanListed_SaysHowManyMore()
    {
        var problem = JsonSerializer.Deserialize<Problem>("""
            {"title":"The request is not valid","status":400,"detail":"700 line(s) of the upload are not valid",
             "errors":["line 2: not valid JSON","line 9: field \"answer\" is missing"],"errorCount":700}
            """, Web);

        var lines = ErrorView.Lines(new ApiException("POST /api/batches", HttpStatusCode.BadRequest, "Bad Request", problem, null));

        Assert.Equal([
            "The request is not valid (POST /api/batches: 400 Bad Request)",
            "700 line(s) of the upload are not valid",
            "- line 2: not valid JSON",
            "- line 9: field \"answer\" is missing",
            "… and 698 more (700 in all; only the first 2 are listed)",
        ], lines);
    }

    [Fact]
    public void ErrorLines_ValidationErrorsByField_OneLinePerMessage()
    {
        var problem = JsonSerializer.Deserialize<Problem>("""{"title":"Bad","errors":{"capacity":["must be positive","must be a number"]}}""", Web)!;

        Assert.Equal(["capacity: must be positive", "capacity: must be a number"], problem.ErrorLines);
    }

    [Fact]
    public void ErrorLines_NotProblemDetails_StatusAndBodyStart()
    {
        var lines = ErrorView.Lines(new ApiException("GET /api/batches", HttpStatusCode.BadGateway, "Bad Gateway", null, "<html>proxy error</html>"));

        Assert.Equal(["GET /api/batches answered 502 Bad Gateway.", "<html>proxy error</html>"], lines);
    }

    [Fact]
    public void ItemView_NearlyEmptyTrail_RendersWhatThereIs()
    {
        var text = Render(Trail("""{"batchId":"b","itemId":"q1","state":"pending"}"""));

        Assert.Contains("Item q1 · batch b", text, StringComparison.Ordinal);
        Assert.Contains("pending", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Version", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ItemView_AssignmentsAndEmails_TablesWithEveryField()
    {
        var text = Render(Trail("""
            {"batchId":"b","itemId":"q1","item":{"id":"q1","question":"Which [one]?","options":["first","second"],"answer":"B"},
             "assignments":[{"assignmentId":"b.q1.1.r1","reviewerId":"r1","status":"open","deadline":"2026-02-01T08:00:00Z"},
                            {"assignmentId":"b.q1.1.r2","reviewerId":"r2","status":"reassigned","reassignedTo":"r3"}],
             "emails":[{"kind":"request","to":"r1","sentAt":"2026-01-31T08:00:00+01:00"}]}
            """));

        Assert.Contains("Which [one]?", text, StringComparison.Ordinal);
        Assert.Contains("B. second  ✓ answer", text, StringComparison.Ordinal);
        Assert.Contains("Assignments", text, StringComparison.Ordinal);
        Assert.Matches(@"│ b\.q1\.1\.r2\s+│ r2\s+│ reassigned │\s+│ r3\s+│", text);
        Assert.Contains("2026-02-01 08:00:00 UTC", text, StringComparison.Ordinal);
        Assert.Contains("E-mails", text, StringComparison.Ordinal);
        Assert.Contains("2026-01-31 07:00:00 UTC", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://cot.example:7071", "http://cot.example:7071/")]
    [InlineData("http://127.0.0.1:7071/api", "http://127.0.0.1:7071/")]
    [InlineData("https://cot.example/prefix/api/", "https://cot.example/prefix/")]
    public void Resolve_UrlOption_BaseAddressWithoutApi(string url, string expected)
    {
        var connection = new Connection();
        var root = new RootCommand { connection.Url, connection.Key };

        var (baseUrl, key) = connection.Resolve(root.Parse(["--url", url, "--key", "k"]));

        Assert.Equal(expected, baseUrl.ToString());
        Assert.Equal("k", key);
    }

    private static BatchStatus Status(string json) => JsonSerializer.Deserialize<BatchStatus>(json, Web)!;

    private static ItemTrail Trail(string json) => JsonSerializer.Deserialize<ItemTrail>(json, Web)!;

    private static string Render(ItemTrail trail)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 160;
        ItemView.Render(console, trail);
        return writer.ToString();
    }
}
