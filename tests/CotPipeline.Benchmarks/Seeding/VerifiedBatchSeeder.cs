using Azure.Data.Tables;
using CotPipeline.Activities;
using CotPipeline.Domain;
using CotPipeline.Models;
using CotPipeline.Options;
using CotPipeline.Storage;

namespace CotPipeline.Benchmarks.Seeding;

/// <summary>
/// Lays down a finished batch in storage, in the shapes and at the paths the pipeline writes: the settings snapshot; per item
/// <c>item.json</c>, every rationale version, each round's decision, two counted review rows per round; the Items rows (in
/// review) and their counters. Then each item ends through <see cref="FinalizeItem"/>, the pipeline's own last step, which
/// writes its state, <c>final.json</c> and its VerifiedItems row. About 30% of the items took a second round (on a regeneration
/// or a reviewer's rewrite). Candidates, round choices and e-mail rows are left out: nothing that is measured here reads them.
/// </summary>
internal sealed class VerifiedBatchSeeder(CotStore store)
{
    public const int Reviewers = 50;

    private const int Parallelism = 32;

    private static readonly DateTimeOffset At = new(2025, 5, 1, 8, 0, 0, TimeSpan.Zero);

    private readonly BatchSettings _settings = BatchSettings.From(RubricOptions.Default(), new PipelineOptions(), "offline-template");

    /// <summary>Every item verified: 70% in round 1, the rest in round 2.</summary>
    public async Task SeedAsync(string batchId, int pairs, CancellationToken ct)
    {
        await store.EnsureCreatedAsync();
        await store.CreateJsonAsync(CotStore.SettingsPath(batchId), _settings, ct);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct };
        await Parallel.ForEachAsync(Enumerable.Range(0, pairs), parallel, async (i, token) => await SeedItemAsync(batchId, i, token));

        // One entity-group transaction per 100 Items rows, as intake writes them.
        await Parallel.ForEachAsync(Enumerable.Range(0, pairs).Chunk(100), parallel, async (chunk, token) =>
            await store.Items.SubmitTransactionAsync(chunk.Select(i => new TableTransactionAction(TableTransactionActionType.UpsertReplace, Row(batchId, i))), token));
        var inReview = ItemState.InReview.ToString();
        await store.Items.SubmitTransactionAsync(Enumerable.Range(0, pairs).GroupBy(i => ItemCounters.ShardOf(Pairs.Id(i)))
            .Select(g => new TableTransactionAction(TableTransactionActionType.UpsertReplace,
                new TableEntity(batchId, ItemCounters.RowKey(g.Key)) { [inReview] = g.Count() })), ct);

        // One worker per counter shard, so no two finalisations race for the same counter rows (each race costs a read and a retry).
        var finalize = new FinalizeItem(store, TimeProvider.System);
        await Parallel.ForEachAsync(Enumerable.Range(0, pairs).GroupBy(i => ItemCounters.ShardOf(Pairs.Id(i))), parallel, async (shard, _) =>
        {
            foreach (var i in shard)
            {
                await finalize.RunAsync(new FinalizeItemInput(batchId, Pairs.Id(i), ItemState.Verified, RoundsOf(i), RoundsOf(i), "accepted by the reviewers"));
            }
        });
    }

    private static int RoundsOf(int i) => i % 10 < 3 ? 2 : 1;

    private static ItemRow Row(string batchId, int i) => new()
    {
        PartitionKey = batchId,
        RowKey = Pairs.Id(i),
        Department = Pairs.Department(i),
        State = ItemState.InReview.Name(),
        Round = RoundsOf(i),
        CurrentVersion = RoundsOf(i),
        UpdatedAt = At,
    };

    private async Task SeedItemAsync(string batchId, int i, CancellationToken ct)
    {
        var itemId = Pairs.Id(i);
        var rounds = RoundsOf(i);
        await store.CreateJsonAsync(CotStore.ItemPath(batchId, itemId), Pairs.Pair(i), ct);

        var reviews = new List<TableTransactionAction>();
        for (var round = 1; round <= rounds; round++)
        {
            var accepted = round == rounds;
            var reviewers = new[] { Reviewer(i + (round * 7)), Reviewer(i + (round * 7) + 17) };
            var rewriteBy = !accepted && i % 20 < 3 ? reviewers[0] : null;
            await store.CreateJsonAsync(CotStore.VersionPath(batchId, itemId, round), Version(batchId, itemId, round, round > 1 && i % 20 < 3 ? Reviewer(i + 7) : null), ct);
            foreach (var reviewer in reviewers)
            {
                reviews.Add(new TableTransactionAction(TableTransactionActionType.Add,
                    ReviewRow.From(Review(batchId, itemId, round, reviewer, accepted, reviewer == rewriteBy), counted: true)));
            }

            await store.CreateJsonAsync(CotStore.DecisionPath(batchId, itemId, round), new RoundDecision(round,
                accepted ? ConsensusOutcome.Accept : ConsensusOutcome.Reject,
                _settings.Rubric.ToDictionary(c => c.Id, _ => accepted ? 4.5 : 2.5),
                [accepted ? "every verdict is accept and every median meets its threshold" : "reasoning_structure: median 2.5 is below 4"],
                reviewers, rewriteBy, At.AddDays(round)), ct);
        }

        await store.Reviews.SubmitTransactionAsync(reviews, ct);
    }

    private static string Reviewer(int k) => $"dr-{k % Reviewers:D2}";

    private static RationaleVersion Version(string batchId, string itemId, int version, string? author) => new()
    {
        BatchId = batchId,
        ItemId = itemId,
        Version = version,
        Steps =
        [
            "胸痛伴大汗，II、III、aVF导联ST段抬高提示急性下壁心肌梗死 (inferior STEMI).",
            "Stable angina does not raise the ST segment at rest and settles within minutes, so A is unlikely.",
            "Aortic dissection presents with tearing pain radiating to the back and unequal pulses; the ECG is usually not diagnostic, so C is unlikely.",
            "Pericarditis gives diffuse concave ST elevation with PR depression, not a territorial pattern, so D is unlikely.",
            "Therefore the answer is B.",
        ],
        FinalAnswer = "B",
        Source = author is not null ? RationaleSources.Human : version == 1 ? RationaleSources.Llm : RationaleSources.LlmRegenerated,
        ParentVersion = version > 1 ? version - 1 : null,
        CritiqueRound = version > 1 ? version - 1 : null,
        Critique = version > 1 ? "reasoning_structure (median 2.5): Rule out the other options explicitly." : null,
        AuthorId = author,
        Model = author is null ? "offline-template" : null,
        PromptVersion = author is null ? "rationale-v1" : null,
        Tokens = author is null ? new TokenUsage(612, 187) : TokenUsage.None,
        CreatedAt = At.AddDays(version - 1),
    };

    private Review Review(string batchId, string itemId, int round, string reviewer, bool accept, bool rewrite) => new()
    {
        BatchId = batchId,
        ItemId = itemId,
        Round = round,
        Version = round,
        ReviewerId = reviewer,
        AssignmentId = new AssignmentId(batchId, itemId, round, reviewer).ToString(),
        Scores = _settings.Rubric.Select((c, k) => (c.Id, Score: accept ? 4 + ((round + k + reviewer.Length) % 2) : 2 + ((k + reviewer[^1]) % 2)))
            .ToDictionary(p => p.Id, p => p.Score),
        Comments = accept ? new Dictionary<string, string>() : new Dictionary<string, string> { ["reasoning_structure"] = "Rule out the other options explicitly." },
        Verdict = accept ? Verdict.Accept : Verdict.NeedsRevision,
        Rewrite = rewrite ? "1. 下壁导联ST段抬高。\n2. Therefore the answer is B." : null,
        SubmittedAt = At.AddDays(round).AddMinutes(reviewer[^1]),
    };
}
