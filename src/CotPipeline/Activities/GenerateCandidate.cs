using CotPipeline.Domain;
using CotPipeline.Llm;
using CotPipeline.Models;
using CotPipeline.Storage;

namespace CotPipeline.Activities;

/// <summary>Drafts one rationale candidate with the LLM (guided by the critique when regenerating) and runs the automatic gates on it.</summary>
public sealed class GenerateCandidate(CotStore store, IRationaleModel model, TimeProvider clock)
{
    public async Task<CandidateResult> RunAsync(GenerateCandidateInput input)
    {
        var path = CotStore.CandidatePath(input.BatchId, input.ItemId, input.Version, input.Candidate, input.Attempt);
        var item = await store.KeptItemAsync(input.BatchId, input.ItemId);
        var settings = await store.ReadSettingsAsync(input.BatchId);

        // A retried activity finds its earlier candidate and judges it again rather than calling the LLM twice.
        var candidate = await store.ReadArtifactAsync<RationaleVersion>(input.BatchId, path);
        if (candidate is null)
        {
            var previous = input.ParentVersion is { } parent ? await store.KeptVersionAsync(input.BatchId, input.ItemId, parent) : null;
            var critique = input.CritiqueRound is { } round ? await CritiqueAsync(input.BatchId, input.ItemId, round) : null;
            GeneratedRationale generated;
            try
            {
                generated = await model.GenerateAsync(
                    new RationaleRequest(item, settings.PromptVersion, settings.Rubric, input.Candidate, previous, critique, input.GateFeedback),
                    CancellationToken.None);
            }
            catch (LlmOutputException e)
            {
                return new CandidateResult(input.Candidate, false, [$"the model's answer was unusable: {e.Message}"], path);
            }

            candidate = new RationaleVersion
            {
                BatchId = input.BatchId,
                ItemId = input.ItemId,
                Version = input.Version,
                Steps = generated.Steps,
                FinalAnswer = generated.FinalAnswer,
                Source = input.CritiqueRound is null && input.ParentVersion is null ? RationaleSources.Llm : RationaleSources.LlmRegenerated,
                ParentVersion = input.ParentVersion,
                CritiqueRound = input.CritiqueRound,
                Critique = critique is null ? null : CritiqueText.Format(critique, settings.Rubric),
                Model = generated.Model,
                PromptVersion = generated.PromptVersion,
                Tokens = generated.Tokens,
                CreatedAt = clock.GetUtcNow(),
            };
            await store.CreateArtifactAsync(input.BatchId, path, candidate);
        }

        var problems = Gates.Check(item, candidate.Steps, candidate.FinalAnswer, settings);
        return new CandidateResult(input.Candidate, problems.Count == 0, problems, path);
    }

    private async Task<IReadOnlyList<CritiqueEntry>> CritiqueAsync(string batchId, string itemId, int round)
    {
        var rows = await store.CountedReviewsOfRoundAsync(batchId, itemId, round);
        return rows
            .Select((r, i) =>
            {
                var review = Json.Deserialize<Review>(r.ReviewJson);
                return new CritiqueEntry($"Reviewer {i + 1}", review.Verdict, review.Scores, review.Comments);
            })
            .ToList();
    }
}
