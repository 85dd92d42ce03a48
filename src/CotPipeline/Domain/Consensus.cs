using CotPipeline.Options;

namespace CotPipeline.Domain;

/// <summary>What a round's reviews decide.</summary>
public enum ConsensusOutcome
{
    Accept,
    Reject,
    /// <summary>The reviewers disagree widely: ask one more reviewer before deciding.</summary>
    NeedsExtraReviewer,
}

/// <summary>The decision over one round's reviews, with the reasons a reader of the audit trail needs.</summary>
public sealed record ConsensusDecision(
    ConsensusOutcome Outcome,
    IReadOnlyDictionary<string, double> Medians,
    IReadOnlyList<string> Reasons);

/// <summary>The consensus rule of the method, as a pure function of the rubric and the reviews.</summary>
public static class Consensus
{
    /// <summary>
    /// Accept when every verdict is accept, every criterion's median meets its threshold and no safety-critical
    /// score is at or below its veto level. A safety veto always rejects. Otherwise, when the scores of some
    /// criterion span <paramref name="disagreementSpread"/> or more and another
    /// reviewer may still be asked, ask one instead of rejecting.
    /// </summary>
    public static ConsensusDecision Decide(
        IReadOnlyList<RubricCriterion> rubric,
        IReadOnlyList<Review> reviews,
        int disagreementSpread,
        bool mayAskExtraReviewer)
    {
        if (reviews.Count == 0)
        {
            throw new ArgumentException("Consensus needs at least one review.", nameof(reviews));
        }

        var medians = new Dictionary<string, double>();
        var reasons = new List<string>();
        var vetoed = false;
        var wide = false;

        foreach (var criterion in rubric)
        {
            var scores = reviews.Select(r => r.Scores.TryGetValue(criterion.Id, out var s)
                    ? s
                    : throw new ArgumentException($"Review by {r.ReviewerId} has no score for \"{criterion.Id}\".", nameof(reviews)))
                .Order()
                .ToArray();
            var median = Median(scores);
            medians[criterion.Id] = median;

            if (median < criterion.AcceptThreshold)
            {
                reasons.Add($"{criterion.Id}: median {median:0.#} is below the threshold {criterion.AcceptThreshold:0.#}");
            }

            if (criterion.SafetyCritical && scores[0] <= criterion.VetoLevel)
            {
                vetoed = true;
                reasons.Add($"{criterion.Id}: safety veto, a score of {scores[0]} is at or below {criterion.VetoLevel}");
            }

            if (scores.Length > 1 && scores[^1] - scores[0] >= disagreementSpread)
            {
                wide = true;
            }
        }

        var needsRevision = reviews.Count(r => r.Verdict == Verdict.NeedsRevision);
        if (needsRevision > 0)
        {
            reasons.Add($"{needsRevision} of {reviews.Count} reviewers asked for revision");
        }

        if (reasons.Count == 0)
        {
            return new ConsensusDecision(ConsensusOutcome.Accept, medians, ["all reviewers accept and every criterion meets its threshold"]);
        }

        if (!vetoed && mayAskExtraReviewer && wide)
        {
            reasons.Add("scores disagree widely: one more reviewer is asked");
            return new ConsensusDecision(ConsensusOutcome.NeedsExtraReviewer, medians, reasons);
        }

        return new ConsensusDecision(ConsensusOutcome.Reject, medians, reasons);
    }

    private static double Median(int[] sorted) => sorted.Length % 2 == 1
        ? sorted[sorted.Length / 2]
        : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2.0;
}
