using CotPipeline.Domain;
using CotPipeline.Models;
using CotPipeline.Storage;

namespace CotPipeline.Activities;

/// <summary>
/// Records version n of an item's rationale — the kept LLM candidate, a reviewer's rewrite or the adjudicator's
/// final text — as <c>v{n}.json</c>, create-only, and points the item at it.
/// </summary>
public sealed class CommitVersion(CotStore store, TimeProvider clock)
{
    public async Task<CommitVersionResult> RunAsync(CommitVersionInput input)
    {
        var version = await CreateAsync(input, CotStore.VersionPath(input.BatchId, input.ItemId, input.Version));
        await store.UpdateItemAsync(input.BatchId, input.ItemId, row =>
        {
            if (input.Version < row.CurrentVersion)
            {
                return false;
            }

            row.CurrentVersion = input.Version;
            row.State = ItemState.InReview.Name();
            return true;
        }, clock.GetUtcNow());
        return new CommitVersionResult(version.Version, version.AuthorId);
    }

    private async Task<RationaleVersion> CreateAsync(CommitVersionInput input, string path)
    {
        var version = input.Origin switch
        {
            VersionOrigin.Candidate => (await store.ReadArtifactAsync<RationaleVersion>(input.BatchId, input.CandidatePath!)
                ?? throw new InvalidOperationException($"Candidate {input.CandidatePath} is missing.")) with { Version = input.Version },
            VersionOrigin.ReviewRewrite => await FromRewriteAsync(input),
            VersionOrigin.Adjudication => await FromAdjudicationAsync(input),
            _ => throw new ArgumentOutOfRangeException(nameof(input), input.Origin, "Unknown version origin."),
        };
        if (!await store.CreateArtifactAsync(input.BatchId, path, version))
        {
            // An earlier run of this step (or a retry racing us) stored it first: the stored one is the record.
            version = await store.KeptVersionAsync(input.BatchId, input.ItemId, input.Version);
        }

        return version;
    }

    private async Task<RationaleVersion> FromRewriteAsync(CommitVersionInput input)
    {
        var round = input.Round ?? throw new ArgumentException("A rewrite needs its round.", nameof(input));
        var rows = await store.CountedReviewsOfRoundAsync(input.BatchId, input.ItemId, round);
        var settings = await store.ReadSettingsAsync(input.BatchId);
        var reviews = rows.Select(r => Json.Deserialize<Review>(r.ReviewJson)).ToList();
        var author = reviews.FirstOrDefault(r => r.ReviewerId == input.ReviewerId && !string.IsNullOrWhiteSpace(r.Rewrite))
            ?? throw new InvalidOperationException($"Round {round} of {input.BatchId}/{input.ItemId} has no rewrite by {input.ReviewerId}.");
        var item = await store.KeptItemAsync(input.BatchId, input.ItemId);
        return Human(input, RationaleText.Split(author.Rewrite!), item.Answer, author.ReviewerId, round,
            CritiqueText.Format(reviews.Select((r, i) => new Llm.CritiqueEntry($"Reviewer {i + 1}", r.Verdict, r.Scores, r.Comments)).ToList(), settings.Rubric));
    }

    private async Task<RationaleVersion> FromAdjudicationAsync(CommitVersionInput input)
    {
        var adjudication = await store.ReadJsonAsync<Adjudication>(CotStore.AdjudicationPath(input.BatchId, input.ItemId))
            ?? throw new InvalidOperationException($"Item {input.BatchId}/{input.ItemId} has no adjudication.");
        var item = await store.KeptItemAsync(input.BatchId, input.ItemId);
        return Human(input, RationaleText.Split(adjudication.FinalText ?? ""), item.Answer, adjudication.AdjudicatorId, null, adjudication.Reason);
    }

    private RationaleVersion Human(CommitVersionInput input, IReadOnlyList<string> steps, string answer, string author, int? round, string? critique) => new()
    {
        BatchId = input.BatchId,
        ItemId = input.ItemId,
        Version = input.Version,
        Steps = steps,
        FinalAnswer = answer,
        Source = RationaleSources.Human,
        ParentVersion = input.ParentVersion,
        CritiqueRound = round,
        Critique = critique,
        AuthorId = author,
        CreatedAt = clock.GetUtcNow(),
    };
}
