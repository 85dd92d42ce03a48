using CotPipeline.Domain;
using CotPipeline.Models;
using CotPipeline.Storage;

namespace CotPipeline.Activities;

/// <summary>Applies the consensus rule to the reviews counted in a round and records the decision.</summary>
public sealed class ReachConsensus(CotStore store, TimeProvider clock)
{
    public async Task<ConsensusResult> RunAsync(ReachConsensusInput input)
    {
        var settings = await store.ReadSettingsAsync(input.BatchId);
        var rows = await store.ReviewsOfRoundAsync(input.BatchId, input.ItemId, input.Round, input.Counted);
        var reviews = rows.Select(r => Json.Deserialize<Review>(r.ReviewJson)).ToList();
        var decision = Consensus.Decide(settings.Rubric, reviews, settings.DisagreementSpread, input.MayAskExtraReviewer);
        var rewriteBy = decision.Outcome == ConsensusOutcome.Reject
            ? reviews.FirstOrDefault(r => !string.IsNullOrWhiteSpace(r.Rewrite))?.ReviewerId
            : null;

        var record = new RoundDecision(input.Round, decision.Outcome, decision.Medians, decision.Reasons,
            reviews.Select(r => r.ReviewerId).ToList(), rewriteBy, clock.GetUtcNow());
        var path = CotStore.DecisionPath(input.BatchId, input.ItemId, input.Round);
        if (decision.Outcome == ConsensusOutcome.NeedsExtraReviewer)
        {
            // Not final: the round goes on with one more reviewer; the final decision of the round is the one recorded.
            return new ConsensusResult(decision.Outcome, null);
        }

        if (!await store.CreateArtifactAsync(input.BatchId, path, record))
        {
            // A retried step: the decision already recorded stands.
            record = await store.ReadArtifactAsync<RoundDecision>(input.BatchId, path) ?? record;
        }

        if (record.Outcome == ConsensusOutcome.Reject)
        {
            var strikes = input.Strikes + 1;
            await store.UpdateItemAsync(input.BatchId, input.ItemId, row =>
            {
                if (input.Round < row.Round)
                {
                    return false;
                }

                row.Strikes = strikes;
                row.State = (strikes >= settings.Loop.StrikeCap ? ItemState.Adjudication : ItemState.Revising).Name();
                return true;
            }, clock.GetUtcNow());
        }

        return new ConsensusResult(record.Outcome, record.RewriteBy);
    }
}
