using System.Net;
using System.Text.Json.Nodes;
using CotPipeline.IntegrationTests.Infrastructure;
using CotPipeline.IntegrationTests.LocalHost;

namespace CotPipeline.IntegrationTests.Cli;

/// <summary>
/// The operator CLI <c>cot</c>, run as a process against the real local host with its output redirected (no terminal).
/// Batch, reviewer and department ids start "cli-".
/// </summary>
[Collection(LocalHostCollection.Name)]
public sealed class CliTests(LocalHostFixture host)
{
    private static readonly int[] Good = [5, 4, 4, 5, 4];
    private static readonly int[] Poor = [3, 2, 3, 4, 3];

    private CotRunner Cot(string? key = LocalHostFixture.ApiKey) => new($"http://127.0.0.1:{host.ApiPort}", key);

    [Fact]
    public async Task BatchSubmitWatch_ReviewedToVerified_ProgressSummaryItemTrailAndExport()
    {
        const string batchId = "cli-watch";
        using var cot = Cot();
        var reviewers = cot.WriteFile("reviewers.csv", [
            "id,name,email,departments,capacity",
            "cli-r1,\"Cli, Reviewer One\",cli-r1@example.org,cli-dept,100",
            "cli-r2,Cli Reviewer Two,cli-r2@example.org,cli-dept|cli-other,100",
        ]);
        var import = await cot.RunAsync("reviewers", "import", reviewers);
        Assert.True(import.ExitCode == 0, import.ToString());
        Assert.Contains("Stored 2 reviewer(s) from reviewers.csv.", import.Stdout, StringComparison.Ordinal);

        var items = cot.WriteFile("items.jsonl", [
            Api.Item("c1", "cli-dept", "CLI question one?"),
            Api.Item("c2", "cli-dept", "CLI 第二题：最可能的诊断是？"),
            Api.Item("c3", "cli-dept", "CLI question three [with brackets]?"),
        ]);
        using var watch = cot.Start("batch", "submit", items, "--batch-id", batchId, "--watch");

        // Round 1: c2 is sent back with a comment, the others accepted; round 2 accepts c2's regenerated version.
        var round1 = await Api.EventuallyAsync(() => host.Http.OpenAssignmentsAsync(batchId), a => a.Count == 6, TimeSpan.FromMinutes(2), "6 open assignments");
        foreach (var a in round1)
        {
            var revise = (string)a["itemId"]! == "c2";
            await ReviewAsync(revise
                ? Api.Review((string)a["assignmentId"]!, "needs-revision", Poor, comments: new() { ["reasoning_structure"] = "cli: say why not C." })
                : Api.Review((string)a["assignmentId"]!, "accept", Good));
        }

        // Round 1's assignments are marked submitted just after their reviews reach the items, so one may still be listed open
        // when round 2's are: only round 2's are reviewed.
        var round2 = (await Api.EventuallyAsync(() => host.Http.OpenAssignmentsAsync(batchId), a => a.Count(x => (int)x["round"]! == 2) == 2,
            TimeSpan.FromMinutes(2), "c2's round 2")).Where(x => (int)x["round"]! == 2).ToList();
        foreach (var a in round2)
        {
            await ReviewAsync(Api.Review((string)a["assignmentId"]!, "accept", Good));
        }

        var watched = await watch.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(watched.ExitCode == 0, watched.ToString());
        Assert.Contains($"Submitted batch {batchId}: 3 items.", watched.Stdout, StringComparison.Ordinal);
        // Without a terminal: one plain line per change, ending finished, then the summary table; no escape codes.
        // (throughput follows when the server measured some in its window)
        Assert.Matches($@"(?m)^\d\d:\d\d:\d\d {batchId}: finished, 3/3 finished \(100\.0%\) · verified 3( · [0-9.]+ items/min)?$", watched.Stdout);
        Assert.Matches(@"│ verified\s+│\s+3 │\s+100\.0% │", watched.Stdout);
        Assert.DoesNotContain('\u001b', watched.Stdout);

        var show = await cot.RunAsync("item", "show", batchId, "c2");
        Assert.True(show.ExitCode == 0, show.ToString());
        foreach (var expected in new[]
        {
            "Item c2 · batch cli-watch", "CLI 第二题：最可能的诊断是？", "B. Option B text  ✓ answer",
            "Version 1 · llm", "Version 2 · llm-regenerated", "offline-template", "critique of round  1",
            "Round 1", "cli: say why not C.", "Decision · reject", "Round 2", "Final",
        }.Concat(ReviewersOf(round1, "c2").Select(r => $"Review by {r} · needs-revision · counted · rewrite: no · version 1"))
         .Concat(ReviewersOf(round2, "c2").Select(r => $"Review by {r} · accept · counted · rewrite: no · version 2")))
        {
            Assert.True(show.Stdout.Contains(expected, StringComparison.Ordinal), $"item show lacks \"{expected}\":\n{show}");
        }

        Assert.Matches(@"│ reasoning_structure\s+│\s+2 │ cli: say why not C\.", show.Stdout);
        Assert.Matches(@"(?m)^\s+1\. \[Offline template", show.Stdout);

        var folder = Path.Combine(cot.WorkDir, "export");
        var export = await cot.RunAsync("export", batchId, "--out", folder);
        Assert.True(export.ExitCode == 0, export.ToString());
        string[] files = ["dataset.jsonl", "sft.jsonl", "excluded.jsonl", "agreement.json", "README.md"];
        Assert.Equal(files.Order(), Directory.GetFiles(folder).Select(Path.GetFileName).Order());
        Assert.Equal(3, File.ReadAllLines(Path.Combine(folder, "sft.jsonl")).Length);
        Assert.NotNull(JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "agreement.json"))));
        Assert.Matches(@"│ sft\.jsonl\s+│\s+[\d.]+ KB │\s+3 │", export.Stdout);

        var again = await cot.RunAsync("batch", "submit", items, "--batch-id", batchId);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains($"Batch {batchId} already has this upload (3 items); nothing new was started.", again.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BatchSubmit_BadLines_ExitTwoWithEveryLineAndNothingStored()
    {
        using var cot = Cot();
        var items = cot.WriteFile("bad.jsonl", [
            Api.Item("b1", "cli-dept", "Fine?"),
            "{\"id\":\"b2\",\"question\":\"Truncated",
            Api.Item("b3", "cli-dept", "Fine too?"),
            Api.Item("b4", "cli-dept", "Outside the options?", answer: "E"),
        ]);

        var run = await cot.RunAsync("batch", "submit", items, "--batch-id", "cli-bad");

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("The request is not valid (POST /api/batches: 400 Bad Request)", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("- line 2: ", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("- line 4: field \"answer\" is \"E\"", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("line 1:", run.Stderr, StringComparison.Ordinal);

        var status = await cot.RunAsync("batch", "status", "cli-bad");
        Assert.True(status.ExitCode == 1, status.ToString());
        Assert.Contains("Not found (GET /api/batches/cli-bad: 404 Not Found)", status.Stderr, StringComparison.Ordinal);
        Assert.Contains("There is no batch \"cli-bad\".", status.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnyCommand_WrongKey_ExitOneWithKeyHintAndNeverTheKey()
    {
        const string wrongKey = "cli-wrong-key-5c1f9e";
        using var withKey = Cot(wrongKey);
        using var withoutKey = Cot(key: null);
        var fromEnvironment = await withKey.RunAsync("batch", "status", "cli-watch");
        var fromOption = await withoutKey.RunAsync("item", "show", "cli-watch", "c1", "--key", wrongKey);

        foreach (var run in new[] { fromEnvironment, fromOption })
        {
            Assert.True(run.ExitCode == 1, run.ToString());
            Assert.Contains("the operator key was refused: set COT_API_KEY or --key", run.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain(wrongKey, run.Stdout + run.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task BatchStatusWatch_CtrlC_Exit130AndBatchGoesOn()
    {
        const string batchId = "cli-ctrlc";
        Assert.Equal(HttpStatusCode.Accepted,
            (await host.Http.PostJsonlAsync($"/api/batches?batchId={batchId}", Api.Item("k1", "cli-dept", "Nobody reviews this one?"))).StatusCode);
        using var cot = Cot();
        using var watch = cot.Start("batch", "status", batchId, "--watch");
        await Api.EventuallyAsync(() => Task.FromResult(watch.Stdout), o => o.Contains($"{batchId}: ", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), "a first progress line");

        await watch.InterruptAsync();
        var run = await watch.WaitAsync(TimeSpan.FromSeconds(15));

        Assert.True(run.ExitCode == 130, run.ToString());
        Assert.Contains($"Stopped watching; batch {batchId} goes on on the server.", run.Stderr, StringComparison.Ordinal);
        var status = await host.Http.GetNodeAsync($"/api/batches/{batchId}");
        Assert.Contains((string)status["status"]!, new[] { "scheduling", "running" });
    }

    [Fact]
    public async Task ReviewersImport_BadCsv_ExitTwoWithEveryLine()
    {
        using var cot = Cot();
        var csv = cot.WriteFile("bad.csv", [
            "id,name,email,departments",
            "cli-ok,Fine Reviewer,cli-ok@example.org,cli-dept",
            "cli-bad,Bad Mail,not-an-address,cli-dept",
            "cli-bad2,No Department,cli-bad2@example.org,",
        ]);

        var run = await cot.RunAsync("reviewers", "import", csv);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("- line 3: ", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("- line 4: ", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Http.GetAsync(new Uri("/api/reviewers/cli-ok", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task BatchList_ListsBatchesOrSaysTheServerCannot()
    {
        const string batchId = "cli-list";
        await host.Http.PostJsonlAsync($"/api/batches?batchId={batchId}", Api.Item("l1", "cli-dept", "Listed?"));
        // GET /api/batches is newer than some servers: the CLI lists when it can and says so when it cannot.
        var served = (await host.Http.GetAsync(new Uri("/api/batches", UriKind.Relative))).IsSuccessStatusCode;

        using var cot = Cot();
        var run = await cot.RunAsync("batch", "list");

        if (served)
        {
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Contains($"│ {batchId} ", run.Stdout, StringComparison.Ordinal);
        }
        else
        {
            Assert.True(run.ExitCode == 1, run.ToString());
            Assert.Contains("cannot list batches", run.Stderr, StringComparison.Ordinal);
        }
    }

    private static IEnumerable<string> ReviewersOf(IEnumerable<JsonNode> assignments, string itemId) =>
        assignments.Where(a => (string)a["itemId"]! == itemId).Select(a => (string)a["reviewerId"]!);

    private async Task ReviewAsync(object review)
    {
        var response = await host.Http.PostJsonAsync("/api/reviews", review);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
