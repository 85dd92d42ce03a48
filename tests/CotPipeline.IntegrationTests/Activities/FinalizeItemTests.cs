using Azure.Data.Tables;
using CotPipeline.Activities;
using CotPipeline.Domain;
using CotPipeline.IntegrationTests.Infrastructure;
using CotPipeline.Models;
using CotPipeline.Storage;

namespace CotPipeline.IntegrationTests.Activities;

/// <summary>The VerifiedItems row <see cref="FinalizeItem"/> writes for the export (Azurite): once, complete, never for an item that did not verify.</summary>
public sealed class FinalizeItemTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly FinalizeItemInput Verified = new("b1", "q1", ItemState.Verified, 2, 2, "accepted by the reviewers");

    [Fact]
    public async Task RunAsync_Verified_WritesTheRecordTheExportReads()
    {
        var s = await VerifiableAsync();

        await new FinalizeItem(s.Store, TimeProvider.System).RunAsync(Verified);

        var record = VerifiedItemRows.Read((await s.Store.GetRowAsync<TableEntity>(s.Store.VerifiedItems, "b1", "q1"))!);
        Assert.Equal(Json.Serialize(StoreScenario.Item with { Metadata = null }), Json.Serialize(record.Item));
        Assert.Equal((2, RationaleSources.Human, "r1", "1. a\n2. b", (string?)null), (record.Version.Version, record.Version.Source, record.Version.AuthorId, record.Version.Text, record.Version.Critique));
        Assert.Equal(Json.Serialize(await s.Store.ReadJsonAsync<FinalRecord>(CotStore.FinalPath("b1", "q1"))), Json.Serialize(record.Final));
        Assert.Equal([(1, ConsensusOutcome.Reject), (2, ConsensusOutcome.Accept)], record.Decisions.Select(d => (d.Round, d.Outcome)));
    }

    [Fact]
    public async Task RunAsync_Verified_RecordCarriesTheCountedReviewsOfEachRound()
    {
        var s = await VerifiableAsync();
        // Each round's decision counted r1 and r2; r3's review reached round 2 but not its decision, the late one came after it.
        await s.AddReviewAsync(StoreScenario.Review("r2", 1, Verdict.NeedsRevision, 2, comment: "Say why."));
        await s.AddReviewAsync(StoreScenario.Review("r1", 1, Verdict.NeedsRevision, 3, rewrite: "1. a\n2. b"));
        await s.AddReviewAsync(StoreScenario.Review("r3", 2, Verdict.Accept, 5));
        await s.AddReviewAsync(StoreScenario.Review("r2", 2, Verdict.Accept, 4));
        await s.AddReviewAsync(StoreScenario.Review("r1", 2, Verdict.Accept, 5));
        await s.AddReviewAsync(StoreScenario.Review("late", 2, Verdict.NeedsRevision, 1), counted: false);

        await new FinalizeItem(s.Store, TimeProvider.System).RunAsync(Verified);

        var record = VerifiedItemRows.Read((await s.Store.GetRowAsync<TableEntity>(s.Store.VerifiedItems, "b1", "q1"))!);
        // In key order (round, then reviewer id), as the export's pass over the Reviews table gives them; comments and rewrites left out.
        Assert.Equal(
            [(1, 1, "r1", Verdict.NeedsRevision, 3), (1, 1, "r2", Verdict.NeedsRevision, 2), (2, 2, "r1", Verdict.Accept, 5), (2, 2, "r2", Verdict.Accept, 4)],
            record.Rounds!.SelectMany(r => r.Reviews.Select(x => (r.Round, r.Version, x.ReviewerId, x.Verdict, x.Scores["reasoning_structure"]))));
        Assert.All(record.Rounds!.SelectMany(r => r.Reviews), x => Assert.Equal(5, x.Scores.Count));
    }

    [Fact]
    public async Task RunAsync_VerifiedWithoutReviews_RecordCarriesNoRounds()
    {
        var s = await VerifiableAsync();

        await new FinalizeItem(s.Store, TimeProvider.System).RunAsync(Verified);

        var record = VerifiedItemRows.Read((await s.Store.GetRowAsync<TableEntity>(s.Store.VerifiedItems, "b1", "q1"))!);
        Assert.NotNull(record.Rounds);
        Assert.Empty(record.Rounds);
    }

    [Fact]
    public async Task RunAsync_Retried_WritesTheRecordOnce()
    {
        var s = await VerifiableAsync();
        var finalize = new FinalizeItem(s.Store, TimeProvider.System);
        await finalize.RunAsync(Verified);
        var first = (await s.Store.GetRowAsync<TableEntity>(s.Store.VerifiedItems, "b1", "q1"))!;

        await finalize.RunAsync(Verified);

        var second = (await s.Store.GetRowAsync<TableEntity>(s.Store.VerifiedItems, "b1", "q1"))!;
        Assert.Equal(first.ETag, second.ETag);
        Assert.Equal(["q1"], await RowKeysAsync(s.Store));
    }

    [Fact]
    public async Task RunAsync_KilledBeforeTheRecord_RetryWritesItWithTheFinalRecordOfTheFirstRun()
    {
        var s = await VerifiableAsync();
        var finalize = new FinalizeItem(s.Store, TimeProvider.System);
        await finalize.RunAsync(Verified);
        var stored = await s.Store.ReadJsonAsync<FinalRecord>(CotStore.FinalPath("b1", "q1"));
        // As if the host died after final.json and before the row.
        await s.Store.VerifiedItems.DeleteEntityAsync("b1", "q1");
        await Task.Delay(10);

        await finalize.RunAsync(Verified);

        var record = VerifiedItemRows.Read((await s.Store.GetRowAsync<TableEntity>(s.Store.VerifiedItems, "b1", "q1"))!);
        Assert.Equal(stored!.DecidedAt, record.Final.DecidedAt);
    }

    [Fact]
    public async Task RunAsync_ExcludedOrCancelledItem_WritesNoRecord()
    {
        var s = await VerifiableAsync();
        await s.WithItemAsync(item: StoreScenario.Item with { Id = "q2" });
        await s.Store.UpdateItemAsync("b1", "q2", row =>
        {
            row.State = ItemState.Cancelled.Name();
            return true;
        }, DateTimeOffset.UtcNow);
        var finalize = new FinalizeItem(s.Store, TimeProvider.System);

        await finalize.RunAsync(new FinalizeItemInput("b1", "q1", ItemState.Excluded, null, 2, "excluded by the adjudicator", true));
        await finalize.RunAsync(Verified with { ItemId = "q2" });

        Assert.Empty(await RowKeysAsync(s.Store));
        Assert.Equal("cancelled", (await s.ItemRowAsync(itemId: "q2")).State);
    }

    private static async Task<List<string>> RowKeysAsync(CotStore store)
    {
        var keys = new List<string>();
        await foreach (var row in store.VerifiedItems.QueryAsync<TableEntity>(r => r.PartitionKey == "b1", select: ["RowKey"]))
        {
            keys.Add(row.RowKey);
        }

        return keys;
    }

    /// <summary>q1 in its second round: version 1 rejected, version 2 (a reviewer's rewrite, answering a critique) accepted.</summary>
    private async Task<StoreScenario> VerifiableAsync()
    {
        var s = await new StoreScenario(azurite).WithItemAsync();
        await s.Store.CreateJsonAsync(CotStore.VersionPath("b1", "q1", 1), new RationaleVersion
        {
            BatchId = "b1", ItemId = "q1", Version = 1, Steps = ["x", "y"], FinalAnswer = "C", Source = RationaleSources.Llm, CreatedAt = DateTimeOffset.UnixEpoch,
        });
        await s.Store.CreateJsonAsync(CotStore.VersionPath("b1", "q1", 2), new RationaleVersion
        {
            BatchId = "b1", ItemId = "q1", Version = 2, Steps = ["a", "b"], FinalAnswer = "C", Source = RationaleSources.Human, AuthorId = "r1",
            ParentVersion = 1, CritiqueRound = 1, Critique = "Say why.", CreatedAt = DateTimeOffset.UnixEpoch,
        });
        foreach (var (round, outcome) in new[] { (1, ConsensusOutcome.Reject), (2, ConsensusOutcome.Accept) })
        {
            await s.Store.CreateJsonAsync(CotStore.DecisionPath("b1", "q1", round), new RoundDecision(round, outcome,
                new Dictionary<string, double> { ["reasoning_structure"] = 3 }, ["rule"], ["r1", "r2"], null, DateTimeOffset.UnixEpoch));
        }

        return s;
    }
}
