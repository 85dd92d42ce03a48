using System.Text.Json.Nodes;
using Azure.Data.Tables;
using CotPipeline.Activities;
using CotPipeline.Domain;
using CotPipeline.Export;
using CotPipeline.IntegrationTests.Activities;
using CotPipeline.IntegrationTests.Infrastructure;
using CotPipeline.Models;
using CotPipeline.Statistics;
using CotPipeline.Storage;

namespace CotPipeline.IntegrationTests.Export;

/// <summary>The export of a finished batch laid down directly in storage (Azurite), checked file by file and field by field.</summary>
public sealed class BatchExporterTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string BatchId = "ex-store";
    private static readonly string[] Criteria = [.. Options.RubricOptions.Default().Criteria.Select(c => c.Id)];

    /// <summary>Every counted review laid down: item, department, round, reviewer, scores in rubric order.</summary>
    private static readonly (string Item, string Department, int Round, string Reviewer, int[] Scores)[] Scores =
    [
        ("q1", "cardiology", 1, "dr-li", [5, 4, 4, 5, 4]),
        ("q1", "cardiology", 1, "dr-wang", [5, 5, 4, 4, 4]),
        ("q2", "心内科", 1, "dr-li", [3, 2, 3, 3, 2]),
        ("q2", "心内科", 1, "dr-wang", [3, 3, 2, 3, 2]),
        ("q2", "心内科", 2, "dr-wang", [5, 4, 5, 4, 4]),
        ("q2", "心内科", 2, "dr-zhao", [4, 4, 5, 4, 5]),
        ("q3", "neurology", 1, "dr-li", [2, 3, 3, 4, 3]),
        ("q3", "neurology", 1, "dr-wang", [3, 3, 2, 4, 2]),
        ("q3", "neurology", 2, "dr-li", [4, 5, 4, 5, 4]),
        ("q3", "neurology", 2, "dr-wang", [5, 4, 4, 5, 5]),
        ("q4", "cardiology", 1, "dr-li", [2, 2, 3, 3, 2]),
        ("q4", "cardiology", 1, "dr-wang", [3, 2, 2, 3, 3]),
        ("q5", "neurology", 1, "dr-li", [1, 2, 2, 3, 1]),
        ("q5", "neurology", 1, "dr-wang", [2, 1, 2, 2, 1]),
        ("q6", "心内科", 1, "dr-li", [4, 4, 3, 5, 4]),
        ("q6", "心内科", 1, "dr-wang", [4, 3, 4, 5, 3]),
    ];

    [Fact]
    public async Task ExportAsync_FinishedBatch_EveryFileFieldByField()
    {
        var s = await LayDownBatchAsync();
        var exporter = new BatchExporter(s.Store, TimeProvider.System);

        var result = await exporter.ExportAsync(BatchId, CancellationToken.None);

        Assert.Equal(
            [(ExportFiles.Dataset, 4), (ExportFiles.Sft, 4), (ExportFiles.Excluded, 2), (ExportFiles.Agreement, (int?)null), (ExportFiles.Card, null)],
            result.Files.Select(f => (f.Name, f.Lines)));
        Assert.All(result.Files, f => Assert.True(f.Bytes > 0, f.Name));
        var files = new Dictionary<string, string>();
        foreach (var f in result.Files)
        {
            var blob = s.Store.Blob(ExportFiles.Path(BatchId, result.ExportId, f.Name));
            var content = await blob.DownloadContentAsync();
            Assert.Equal(f.Bytes, content.Value.Details.ContentLength);
            Assert.Equal(ExportFiles.ContentTypes[f.Name], content.Value.Details.ContentType);
            files[f.Name] = content.Value.Content.ToString();
        }

        // Reviewers are pseudonymised in order of first appearance; no real id or e-mail leaves the store.
        foreach (var (name, text) in files)
        {
            Assert.DoesNotContain("dr-", text, StringComparison.Ordinal);
            Assert.DoesNotContain("@example.org", text, StringComparison.Ordinal);
        }

        AssertDataset(Lines(files[ExportFiles.Dataset]));
        AssertSft(Lines(files[ExportFiles.Sft]));
        AssertExcluded(Lines(files[ExportFiles.Excluded]));
        AssertAgreement(JsonNode.Parse(files[ExportFiles.Agreement])!, result.ExportId);
        AssertCard(files[ExportFiles.Card]);
    }

    [Fact]
    public async Task ExportAsync_TwoExports_NewIdEachAndSamePseudonyms()
    {
        var s = await LayDownBatchAsync();
        var exporter = new BatchExporter(s.Store, TimeProvider.System);

        var first = await exporter.ExportAsync(BatchId, CancellationToken.None);
        var second = await exporter.ExportAsync(BatchId, CancellationToken.None);

        Assert.NotEqual(first.ExportId, second.ExportId);
        var a = await s.Store.Blob(ExportFiles.Path(BatchId, first.ExportId, ExportFiles.Dataset)).DownloadContentAsync();
        var b = await s.Store.Blob(ExportFiles.Path(BatchId, second.ExportId, ExportFiles.Dataset)).DownloadContentAsync();
        Assert.Equal(a.Value.Content.ToString(), b.Value.Content.ToString());
    }

    [Fact]
    public async Task ExportAsync_ItemsWithAndWithoutVerifiedItemsRows_SameFilesAsFromTheBlobs()
    {
        // Items finalised before VerifiedItems rows existed have only their blobs; those finalised since have both.
        var blobsOnly = await LayDownBatchAsync();
        var mixed = await LayDownBatchAsync(throughFinalizeItem: item => item is "q2" or "q4" or "q5");
        var all = await LayDownBatchAsync(throughFinalizeItem: _ => true);

        Assert.Equal(["q1", "q2", "q3", "q4"], await VerifiedItemIdsAsync(all));
        Assert.Equal(["q2", "q4"], await VerifiedItemIdsAsync(mixed));
        var expected = await ExportFilesAsync(blobsOnly);
        Assert.Equal(expected, await ExportFilesAsync(mixed));
        Assert.Equal(expected, await ExportFilesAsync(all));
    }

    [Fact]
    public async Task ExportAsync_RowsCarryTheReviews_VerifiedItemsNeedNoReviewsRows()
    {
        var blobsOnly = await LayDownBatchAsync();
        var all = await LayDownBatchAsync(throughFinalizeItem: _ => true);
        // The verified items' reviews now exist only in their VerifiedItems rows; q5 and q6 (not verified) keep theirs.
        foreach (var item in new[] { "q1", "q2", "q3", "q4" })
        {
            await foreach (var review in CotStore.PartitionAsync<TableEntity>(all.Store.Reviews, ReviewRow.PartitionFor(BatchId, item)))
            {
                await all.Store.Reviews.DeleteEntityAsync(review.PartitionKey, review.RowKey);
            }
        }

        Assert.Equal(await ExportFilesAsync(blobsOnly), await ExportFilesAsync(all));
    }

    [Fact]
    public async Task ExportAsync_RowsWrittenBeforeTheyCarriedReviews_SameFilesAsFromTheBlobs()
    {
        var blobsOnly = await LayDownBatchAsync();
        var old = await LayDownBatchAsync(throughFinalizeItem: _ => true);
        await foreach (var row in old.Store.VerifiedItems.QueryAsync<TableEntity>(r => r.PartitionKey == BatchId))
        {
            var record = VerifiedItemRows.Read(row);
            Assert.NotNull(record.Rounds);
            await old.Store.VerifiedItems.UpsertEntityAsync(VerifiedItemRows.From(BatchId, row.RowKey, record with { Rounds = null })!, TableUpdateMode.Replace);
        }

        Assert.Equal(await ExportFilesAsync(blobsOnly), await ExportFilesAsync(old));
    }

    [Fact]
    public async Task ExportAsync_ManyItemsNotVerified_SameFilesFromOnePassOverTheReviews()
    {
        var blobsOnly = await LayDownBatchAsync();
        var many = await LayDownBatchAsync(throughFinalizeItem: _ => true);
        // Counted as if a thousand more items had been excluded: all reviews are read in one pass, not one query each, and the
        // rows' own are not used (emptied here, they would lose every review).
        await many.Store.Items.UpsertEntityAsync(new TableEntity(BatchId, ItemCounters.RowKey(1)) { [nameof(ItemState.Excluded)] = 1_000 });
        await foreach (var row in many.Store.VerifiedItems.QueryAsync<TableEntity>(r => r.PartitionKey == BatchId))
        {
            await many.Store.VerifiedItems.UpsertEntityAsync(VerifiedItemRows.From(BatchId, row.RowKey, VerifiedItemRows.Read(row) with { Rounds = [] })!, TableUpdateMode.Replace);
        }

        Assert.Equal(await ExportFilesAsync(blobsOnly), await ExportFilesAsync(many));
    }

    [Fact]
    public async Task ExportAsync_RecordOverAPropertyOrOverAnEntity_SameFilesAsFromTheBlobs()
    {
        // q1's record is split over properties (64 KiB each), with a character outside the BMP across a cut; q2's is over 1 MiB.
        var steps = new Dictionary<string, string[]>
        {
            ["q1"] = [new string('x', VerifiedItemRows.PartLength - 300) + string.Concat(Enumerable.Repeat("𠀀", 400)), "Therefore the answer is A."],
            ["q2"] = [string.Concat(Enumerable.Repeat("胸痛伴大汗，下壁导联ST段抬高。", 40_000)), "Therefore the answer is A."],
        };
        async Task<StoreScenario> LayDownAsync(bool throughFinalizeItem)
        {
            var s = new StoreScenario(azurite);
            foreach (var (id, text) in steps)
            {
                await s.WithItemAsync(BatchId, new QaItem(id, "cardiology", "Long? 很长？", new Dictionary<string, string> { ["A"] = "Yes", ["B"] = "No" }, "A"));
                await VersionAsync(s, id, 1, RationaleSources.Llm, text, "A");
                await DecisionAsync(s, id, 1, ConsensusOutcome.Accept, 4.5);
                await FinalAsync(s, id, ItemState.Verified, 1, 1, null, throughFinalizeItem: throughFinalizeItem);
            }

            return s;
        }

        var fromRows = await LayDownAsync(throughFinalizeItem: true);

        var split = (await fromRows.Store.GetRowAsync<TableEntity>(fromRows.Store.VerifiedItems, BatchId, "q1"))!;
        Assert.True(split.GetInt32("Parts") > 1);
        Assert.Null(await fromRows.Store.GetRowAsync<TableEntity>(fromRows.Store.VerifiedItems, BatchId, "q2"));
        var files = await ExportFilesAsync(fromRows);
        Assert.Equal(await ExportFilesAsync(await LayDownAsync(throughFinalizeItem: false)), files);
        Assert.Equal(RationaleText.Format(steps["q1"]), (string)Lines(files[ExportFiles.Dataset])[0]["rationale"]!["text"]!);
    }

    [Fact]
    public async Task ExportAsync_ItemCancelledBeforeItsFinalizeStep_ExcludedAsCancelled()
    {
        var s = await LayDownBatchAsync(throughFinalizeItem: item => item != "q1");
        // q6, still in review, is cancelled; the step that would have verified it arrives after the cancel.
        await s.Store.UpdateItemAsync(BatchId, "q6", row =>
        {
            row.State = ItemState.Cancelled.Name();
            row.Reason = Operations.ItemCanceller.Reason;
            return true;
        }, DateTimeOffset.UtcNow);
        await VersionAsync(s, "q6", 1, RationaleSources.Llm, ["Draft.", "Therefore the answer is B."], "B");
        await new FinalizeItem(s.Store, TimeProvider.System).RunAsync(new FinalizeItemInput(BatchId, "q6", ItemState.Verified, 1, 1, "accepted by the reviewers"));

        var files = await ExportFilesAsync(s);

        Assert.Equal(["q2", "q3", "q4"], await VerifiedItemIdsAsync(s));
        Assert.Equal(
            [("q5", "excluded", "adjudicated: exclude: duplicate question"), ("q6", "cancelled", "cancelled by the operator")],
            Lines(files[ExportFiles.Excluded]).Select(l => ((string)l["id"]!, (string)l["state"]!, (string)l["reason"]!)));
        Assert.Equal(["q1", "q2", "q3", "q4"], Lines(files[ExportFiles.Dataset]).Select(l => (string)l["id"]!));
    }

    /// <summary>Exports the batch and returns each file's text, with the export id (the one part that differs per export) replaced.</summary>
    private static async Task<Dictionary<string, string>> ExportFilesAsync(StoreScenario s)
    {
        var result = await new BatchExporter(s.Store, TimeProvider.System).ExportAsync(BatchId, CancellationToken.None);
        var files = new Dictionary<string, string>();
        foreach (var f in result.Files)
        {
            var content = await s.Store.Blob(ExportFiles.Path(BatchId, result.ExportId, f.Name)).DownloadContentAsync();
            files[f.Name] = content.Value.Content.ToString().Replace(result.ExportId, "{exportId}", StringComparison.Ordinal);
        }

        return files;
    }

    private static async Task<List<string>> VerifiedItemIdsAsync(StoreScenario s)
    {
        var ids = new List<string>();
        await foreach (var row in s.Store.VerifiedItems.QueryAsync<TableEntity>(r => r.PartitionKey == BatchId, select: ["RowKey"]))
        {
            ids.Add(row.RowKey);
        }

        return ids;
    }

    private static void AssertDataset(List<JsonNode> lines)
    {
        Assert.Equal(["q1", "q2", "q3", "q4"], lines.Select(l => (string)l["id"]!));

        var q2 = lines[1];
        Assert.Equal("心内科", (string)q2["department"]!);
        Assert.Equal("患者男，58岁，胸痛2小时。最可能的诊断是？", (string)q2["question"]!);
        Assert.Equal("急性心肌梗死", (string)q2["options"]!["B"]!);
        Assert.Equal("B", (string)q2["answer"]!);
        var rationale = q2["rationale"]!;
        Assert.Equal(2, (int)rationale["version"]!);
        Assert.Equal("human", (string)rationale["source"]!);
        Assert.Equal("1. 胸痛伴ST段抬高。\n2. Therefore the answer is B.", (string)rationale["text"]!);
        Assert.Equal(["胸痛伴ST段抬高。", "Therefore the answer is B."], rationale["steps"]!.AsArray().Select(x => (string)x!));
        Assert.Equal("B", (string)rationale["finalAnswer"]!);
        Assert.Equal("R001", (string)rationale["author"]!);
        Assert.Equal(2, (int)q2["rounds"]!);
        var rounds = q2["reviewRounds"]!.AsArray();
        Assert.Equal([(1, 1), (2, 2)], rounds.Select(r => ((int)r!["round"]!, (int)r["version"]!)));
        Assert.Equal(["R001", "R002"], rounds[0]!["reviews"]!.AsArray().Select(r => (string)r!["reviewer"]!));
        Assert.Equal(["R002", "R003"], rounds[1]!["reviews"]!.AsArray().Select(r => (string)r!["reviewer"]!));
        var zhao = rounds[1]!["reviews"]![1]!;
        Assert.Equal("accept", (string)zhao["verdict"]!);
        Assert.Equal([4, 4, 5, 4, 5], Criteria.Select(c => (int)zhao["scores"]![c]!));
        Assert.Equal("reject", (string)rounds[0]!["decision"]!["outcome"]!);
        Assert.Equal(2.5, (double)rounds[0]!["decision"]!["medians"]!["reasoning_structure"]!);
        Assert.Equal("accept", (string)rounds[1]!["decision"]!["outcome"]!);
        Assert.Equal("accept", (string)q2["consensus"]!);
        Assert.False((bool)q2["adjudicated"]!);
        Assert.Equal("offline-template", (string)q2["model"]!);
        Assert.Equal("rationale-v1", (string)q2["promptVersion"]!);

        Assert.Equal("llm-regenerated", (string)lines[2]["rationale"]!["source"]!);
        Assert.Equal("llm", (string)lines[0]["rationale"]!["source"]!);
        Assert.Null(lines[0]["rationale"]!["author"]);
        Assert.Equal(1, (int)lines[0]["rounds"]!);
        // The late review of q1 was not counted and is not exported.
        Assert.Equal(2, lines[0]["reviewRounds"]![0]!["reviews"]!.AsArray().Count);

        var q4 = lines[3];
        Assert.True((bool)q4["adjudicated"]!);
        Assert.Equal("reject", (string)q4["consensus"]!);
        Assert.Equal("R004", (string)q4["rationale"]!["author"]!);
    }

    private static void AssertSft(List<JsonNode> lines)
    {
        Assert.Equal(["Question", "Complex_CoT", "Response"], lines[1].AsObject().Select(p => p.Key));
        Assert.Equal("患者男，58岁，胸痛2小时。最可能的诊断是？\nA. 稳定型心绞痛\nB. 急性心肌梗死\nC. 主动脉夹层", (string)lines[1]["Question"]!);
        Assert.Equal("1. 胸痛伴ST段抬高。\n2. Therefore the answer is B.", (string)lines[1]["Complex_CoT"]!);
        Assert.Equal("B. 急性心肌梗死", (string)lines[1]["Response"]!);
        Assert.Equal(4, lines.Count);
    }

    private static void AssertExcluded(List<JsonNode> lines)
    {
        Assert.Equal(
            [("q5", "neurology", "excluded", "adjudicated: exclude: duplicate question", 1), ("q6", "心内科", "in-review", "still open (in-review) when exported", 1)],
            lines.Select(l => ((string)l["id"]!, (string)l["department"]!, (string)l["state"]!, (string)l["reason"]!, (int)l["rounds"]!)));
    }

    private static void AssertAgreement(JsonNode report, string exportId)
    {
        Assert.Equal(BatchId, (string)report["batchId"]!);
        Assert.Equal(exportId, (string)report["exportId"]!);
        Assert.Equal(5, (int)report["minSharedItemsForKappa"]!);
        Assert.Equal(Criteria, report["overall"]!.AsObject().Select(p => p.Key));
        Assert.Equal(["1", "2"], report["byRound"]!.AsObject().Select(p => p.Key));
        Assert.Equal(["cardiology", "neurology", "心内科"], report["byDepartment"]!.AsObject().Select(p => p.Key));

        for (var c = 0; c < Criteria.Length; c++)
        {
            AssertSlice(report["overall"]![Criteria[c]]!, Scores, c);
            AssertSlice(report["byRound"]!["2"]![Criteria[c]]!, [.. Scores.Where(x => x.Round == 2)], c);
            AssertSlice(report["byDepartment"]!["心内科"]![Criteria[c]]!, [.. Scores.Where(x => x.Department == "心内科")], c);
        }

        // dr-li (R001) and dr-wang (R002) share 7 rounds; dr-wang and dr-zhao (R003) share one, too few for kappa.
        var pairs = report["overall"]!["medical_correctness"]!["cohenKappaQuadratic"]!.AsArray();
        Assert.Equal(["R001+R002"], pairs.Select(p => $"{p!["first"]}+{p["second"]}"));
        Assert.Empty(report["byRound"]!["2"]!["medical_correctness"]!["cohenKappaQuadratic"]!.AsArray());
    }

    private static void AssertSlice(JsonNode slice, (string Item, string Department, int Round, string Reviewer, int[] Scores)[] scores, int criterion)
    {
        var units = scores.GroupBy(x => (x.Item, x.Round))
            .Select(g => (IReadOnlyList<double?>)[.. g.Select(x => (double?)x.Scores[criterion])]).ToList();
        AssertResult(KrippendorffAlpha.Compute(units, KrippendorffMetric.Ordinal), slice["alphaOrdinal"]!);
        AssertResult(KrippendorffAlpha.Compute(units, KrippendorffMetric.Interval), slice["alphaInterval"]!);
        AssertResult(ExactAgreement.Percent(units), slice["exactAgreementPercent"]!);

        var shared = scores.GroupBy(x => (x.Item, x.Round))
            .Where(g => g.Any(x => x.Reviewer == "dr-li") && g.Any(x => x.Reviewer == "dr-wang"))
            .Select(g => (Li: g.Single(x => x.Reviewer == "dr-li").Scores[criterion], Wang: g.Single(x => x.Reviewer == "dr-wang").Scores[criterion]))
            .ToList();
        var pairs = slice["cohenKappaQuadratic"]!.AsArray();
        if (shared.Count >= 5)
        {
            var kappa = CohenKappa.Compute([.. shared.Select(p => (int?)p.Li)], [.. shared.Select(p => (int?)p.Wang)], 1, 5, CohenKappaWeighting.Quadratic);
            AssertResult(kappa, pairs.Single()!);
        }
        else
        {
            Assert.Empty(pairs);
        }
    }

    private static void AssertResult(AgreementResult expected, JsonNode actual)
    {
        Assert.Equal(expected.N, (int)actual["n"]!);
        Assert.Equal(expected.Value, (double?)actual["value"]);
    }

    private static void AssertCard(string card)
    {
        Assert.StartsWith("---\n", card, StringComparison.Ordinal);
        Assert.Contains("configs:\n- config_name: default\n  data_files:\n  - split: train\n    path: dataset.jsonl\n", card, StringComparison.Ordinal);
        Assert.Contains("- config_name: sft\n", card, StringComparison.Ordinal);
        Assert.Contains("| verified (`dataset.jsonl`, `sft.jsonl`) | 4 |", card, StringComparison.Ordinal);
        Assert.Contains("| of which adjudicated | 1 |", card, StringComparison.Ordinal);
        Assert.Contains("| excluded (`excluded.jsonl`) | 1 |", card, StringComparison.Ordinal);
        Assert.Contains("| in-review (`excluded.jsonl`) | 1 |", card, StringComparison.Ordinal);
        Assert.Contains("| cardiology | 2 |", card, StringComparison.Ordinal);
        Assert.Contains("| 心内科 | 1 |", card, StringComparison.Ordinal);
        Assert.Contains("| human | 2 |", card, StringComparison.Ordinal);
        Assert.Contains("| llm-regenerated | 1 |", card, StringComparison.Ordinal);
        Assert.Contains("| 2 | 2 |", card, StringComparison.Ordinal);
        Assert.Contains("| `medical_correctness` | Medical correctness | 1–5 | 4 | yes (veto at ≤ 2) |", card, StringComparison.Ordinal);
        Assert.Contains("Reviewers: 4 ", card, StringComparison.Ordinal);
        Assert.Contains("`offline-template`", card, StringComparison.Ordinal);
    }

    private static List<JsonNode> Lines(string jsonl)
    {
        Assert.EndsWith("\n", jsonl, StringComparison.Ordinal);
        return [.. jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!)];
    }

    /// <summary>
    /// q1 verified in round 1 (plus a late, uncounted review); q2 verified in round 2 on dr-li's rewrite; q3 verified in
    /// round 2 on a regeneration; q4 verified by an adjudicator's text; q5 excluded by the adjudicator; q6 still in review.
    /// </summary>
    /// <remarks>
    /// Items for which <paramref name="throughFinalizeItem"/> is true end through <see cref="FinalizeItem"/>, as they do now; the
    /// others get their final.json and Items row laid down directly, as items finalised before VerifiedItems rows existed.
    /// </remarks>
    private async Task<StoreScenario> LayDownBatchAsync(Func<string, bool>? throughFinalizeItem = null)
    {
        throughFinalizeItem ??= _ => false;
        var s = new StoreScenario(azurite);
        var options = new Dictionary<string, string> { ["A"] = "稳定型心绞痛", ["B"] = "急性心肌梗死", ["C"] = "主动脉夹层" };
        var items = new Dictionary<string, QaItem>
        {
            ["q1"] = new("q1", "cardiology", "Which artery? 哪条动脉？", new Dictionary<string, string> { ["A"] = "LAD", ["B"] = "LCx", ["C"] = "RCA" }, "C"),
            ["q2"] = new("q2", "心内科", "患者男，58岁，胸痛2小时。最可能的诊断是？", options, "B"),
            ["q3"] = new("q3", "neurology", "Sudden headache, which test first?", new Dictionary<string, string> { ["A"] = "CT", ["B"] = "MRI" }, "A"),
            ["q4"] = new("q4", "cardiology", "Which drug?", new Dictionary<string, string> { ["A"] = "Aspirin", ["B"] = "Warfarin" }, "A"),
            ["q5"] = new("q5", "neurology", "Duplicate?", new Dictionary<string, string> { ["A"] = "Yes", ["B"] = "No" }, "A"),
            ["q6"] = new("q6", "心内科", "还在审核中？", options, "B"),
        };
        foreach (var item in items.Values)
        {
            await s.WithItemAsync(BatchId, item);
        }

        foreach (var x in Scores)
        {
            await s.AddReviewAsync(new Review
            {
                BatchId = BatchId,
                ItemId = x.Item,
                Round = x.Round,
                Version = x.Round,
                ReviewerId = x.Reviewer,
                AssignmentId = new AssignmentId(BatchId, x.Item, x.Round, x.Reviewer).ToString(),
                Scores = Criteria.Select((c, i) => (c, x.Scores[i])).ToDictionary(p => p.c, p => p.Item2),
                Comments = new Dictionary<string, string> { ["clinical_value"] = "Contact dr-li@example.org" },
                Verdict = x.Scores.Min() >= 4 ? Verdict.Accept : Verdict.NeedsRevision,
                Rewrite = x is ("q2", _, 1, "dr-li", _) ? "1. 胸痛伴ST段抬高。\n2. Therefore the answer is B." : null,
                SubmittedAt = DateTimeOffset.UnixEpoch,
            });
        }

        await s.AddReviewAsync(new Review
        {
            BatchId = BatchId, ItemId = "q1", Round = 1, Version = 1, ReviewerId = "dr-late", AssignmentId = "late",
            Scores = Criteria.ToDictionary(c => c, _ => 1), Verdict = Verdict.NeedsRevision, SubmittedAt = DateTimeOffset.UnixEpoch,
        }, counted: false);

        await VersionAsync(s, "q1", 1, RationaleSources.Llm, ["The RCA supplies the inferior wall.", "Therefore the answer is C."], "C");
        await VersionAsync(s, "q2", 1, RationaleSources.Llm, ["Draft.", "Therefore the answer is B."], "B");
        await VersionAsync(s, "q2", 2, RationaleSources.Human, ["胸痛伴ST段抬高。", "Therefore the answer is B."], "B", "dr-li");
        await VersionAsync(s, "q3", 1, RationaleSources.Llm, ["Draft.", "Therefore the answer is A."], "A");
        await VersionAsync(s, "q3", 2, RationaleSources.LlmRegenerated, ["Non-contrast CT finds blood fastest.", "Therefore the answer is A."], "A");
        await VersionAsync(s, "q4", 1, RationaleSources.Llm, ["Draft.", "Therefore the answer is A."], "A");
        await VersionAsync(s, "q4", 2, RationaleSources.Human, ["Aspirin first in ACS.", "Therefore the answer is A."], "A", "dr-adj");

        await DecisionAsync(s, "q1", 1, ConsensusOutcome.Accept, 4.5);
        await DecisionAsync(s, "q2", 1, ConsensusOutcome.Reject, 2.5);
        await DecisionAsync(s, "q2", 2, ConsensusOutcome.Accept, 4);
        await DecisionAsync(s, "q3", 1, ConsensusOutcome.Reject, 3);
        await DecisionAsync(s, "q3", 2, ConsensusOutcome.Accept, 4.5);
        await DecisionAsync(s, "q4", 1, ConsensusOutcome.Reject, 2);
        await DecisionAsync(s, "q5", 1, ConsensusOutcome.Reject, 1.5);

        await FinalAsync(s, "q1", ItemState.Verified, 1, 1, null, throughFinalizeItem: throughFinalizeItem("q1"));
        await FinalAsync(s, "q2", ItemState.Verified, 2, 2, null, throughFinalizeItem: throughFinalizeItem("q2"));
        await FinalAsync(s, "q3", ItemState.Verified, 2, 2, null, throughFinalizeItem: throughFinalizeItem("q3"));
        await FinalAsync(s, "q4", ItemState.Verified, 2, 1, "adjudicated", adjudicated: true, throughFinalizeItem: throughFinalizeItem("q4"));
        await FinalAsync(s, "q5", ItemState.Excluded, null, 1, "adjudicated: exclude: duplicate question", adjudicated: true, throughFinalizeItem: throughFinalizeItem("q5"));
        await s.Store.Items.UpsertEntityAsync(new ItemRow { PartitionKey = BatchId, RowKey = "q6", Department = "心内科", State = "in-review", Round = 1, CurrentVersion = 1 });
        await s.Store.Items.UpsertEntityAsync(new Azure.Data.Tables.TableEntity(BatchId, ItemCounters.RowKey(0)) { ["Verified"] = 4 });
        return s;
    }

    private static Task VersionAsync(StoreScenario s, string item, int version, string source, string[] steps, string answer, string? author = null) =>
        s.Store.CreateJsonAsync(CotStore.VersionPath(BatchId, item, version), new RationaleVersion
        {
            BatchId = BatchId, ItemId = item, Version = version, Steps = steps, FinalAnswer = answer, Source = source,
            ParentVersion = version > 1 ? version - 1 : null, AuthorId = author,
            Model = source == RationaleSources.Human ? null : "offline-template", PromptVersion = source == RationaleSources.Human ? null : "rationale-v1",
            CreatedAt = DateTimeOffset.UnixEpoch,
        });

    private static Task DecisionAsync(StoreScenario s, string item, int round, ConsensusOutcome outcome, double reasoningMedian) =>
        s.Store.CreateJsonAsync(CotStore.DecisionPath(BatchId, item, round), new RoundDecision(round, outcome,
            new Dictionary<string, double> { ["reasoning_structure"] = reasoningMedian }, ["rule applied"],
            Scores.Where(x => x.Item == item && x.Round == round).Select(x => x.Reviewer).ToList(), null, DateTimeOffset.UnixEpoch));

    private static async Task FinalAsync(
        StoreScenario s, string item, ItemState state, int? version, int rounds, string? reason, bool adjudicated = false, bool throughFinalizeItem = false)
    {
        if (throughFinalizeItem)
        {
            await s.Store.UpdateItemAsync(BatchId, item, row =>
            {
                row.State = ItemState.InReview.Name();
                row.Round = rounds;
                row.CurrentVersion = version ?? 1;
                return true;
            }, DateTimeOffset.UnixEpoch);
            await new FinalizeItem(s.Store, TimeProvider.System).RunAsync(new FinalizeItemInput(BatchId, item, state, version, rounds, reason, adjudicated));
            return;
        }

        await s.Store.CreateJsonAsync(CotStore.FinalPath(BatchId, item), new FinalRecord(state, version, rounds, reason, adjudicated, DateTimeOffset.UnixEpoch));
        var row = (await s.Store.GetRowAsync<ItemRow>(s.Store.Items, BatchId, item))!;
        row.State = state.Name();
        row.FinalVersion = version;
        row.Round = rounds;
        row.CurrentVersion = version ?? 1;
        row.Reason = reason;
        await s.Store.Items.UpsertEntityAsync(row, Azure.Data.Tables.TableUpdateMode.Replace);
    }
}
