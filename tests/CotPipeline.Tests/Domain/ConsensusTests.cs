using CotPipeline.Domain;
using CotPipeline.Options;

namespace CotPipeline.Tests.Domain;

public sealed class ConsensusTests
{
    private static readonly IReadOnlyList<RubricCriterion> Rubric = RubricOptions.Default().Criteria;

    private static Review R(string verdict, params int[] scores) => new()
    {
        BatchId = "b",
        ItemId = "i",
        Round = 1,
        Version = 1,
        ReviewerId = $"r{Guid.NewGuid():N}",
        AssignmentId = "b.i.1.r",
        Scores = Rubric.Select((c, i) => (c.Id, scores[i])).ToDictionary(p => p.Id, p => p.Item2),
        Verdict = verdict == "a" ? Verdict.Accept : Verdict.NeedsRevision,
        SubmittedAt = DateTimeOffset.UnixEpoch,
    };

    // Criteria order: medical_correctness (safety-critical, veto ≤ 2), reasoning_structure, information_sufficiency,
    // terminology_clarity, clinical_value; every threshold is 4; disagreement spread 3.
    public static TheoryData<string, Review[], bool, ConsensusOutcome> Cases => new()
    {
        { "all accept, all at threshold", [R("a", 4, 4, 4, 4, 4), R("a", 4, 4, 4, 4, 4)], true, ConsensusOutcome.Accept },
        { "all accept, top scores", [R("a", 5, 5, 5, 5, 5), R("a", 5, 5, 5, 5, 5), R("a", 5, 5, 5, 5, 5)], true, ConsensusOutcome.Accept },
        { "one reviewer alone accepts", [R("a", 5, 4, 4, 4, 4)], true, ConsensusOutcome.Accept },
        { "one verdict needs revision, scores fine, close", [R("a", 5, 5, 5, 5, 5), R("n", 4, 4, 4, 4, 4)], true, ConsensusOutcome.Reject },
        { "median below threshold on one criterion", [R("a", 5, 3, 5, 5, 5), R("a", 5, 4, 5, 5, 5)], true, ConsensusOutcome.Reject },
        { "even count median is the mean of the middle two", [R("a", 5, 3, 5, 5, 5), R("a", 5, 5, 5, 5, 5)], true, ConsensusOutcome.Accept },
        { "safety veto at the veto level rejects although medians pass", [R("a", 2, 5, 5, 5, 5), R("a", 5, 5, 5, 5, 5), R("a", 5, 5, 5, 5, 5)], true, ConsensusOutcome.Reject },
        { "safety veto is not overruled by asking another reviewer", [R("a", 1, 5, 5, 5, 5), R("a", 5, 5, 5, 5, 5)], true, ConsensusOutcome.Reject },
        { "score just above the veto level is no veto", [R("a", 3, 5, 5, 5, 5), R("a", 5, 5, 5, 5, 5), R("a", 5, 5, 5, 5, 5)], true, ConsensusOutcome.Accept },
        { "wide spread and a failing median asks one more reviewer", [R("a", 5, 1, 5, 5, 5), R("a", 5, 5, 5, 5, 5)], true, ConsensusOutcome.NeedsExtraReviewer },
        { "wide spread but no extra reviewer left rejects", [R("a", 5, 1, 5, 5, 5), R("a", 5, 5, 5, 5, 5)], false, ConsensusOutcome.Reject },
        { "spread just below the configured spread rejects", [R("a", 5, 2, 5, 5, 5), R("a", 5, 4, 5, 5, 5)], true, ConsensusOutcome.Reject },
        { "third reviewer settles a wide split", [R("a", 5, 1, 5, 5, 5), R("a", 5, 5, 5, 5, 5), R("a", 5, 5, 5, 5, 5)], false, ConsensusOutcome.Accept },
        { "all reject", [R("n", 2, 2, 2, 2, 2), R("n", 1, 1, 1, 1, 1)], true, ConsensusOutcome.Reject },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decide_Table_GivesExpectedOutcome(string because, Review[] reviews, bool mayAskExtra, ConsensusOutcome expected)
    {
        var decision = Consensus.Decide(Rubric, reviews, disagreementSpread: 3, mayAskExtra);

        Assert.True(expected == decision.Outcome, $"{because}: expected {expected}, got {decision.Outcome} ({string.Join("; ", decision.Reasons)})");
    }

    [Fact]
    public void Decide_Reject_ExplainsEveryReasonWithCriterionAndValues()
    {
        var decision = Consensus.Decide(Rubric, [R("n", 2, 3, 5, 5, 5), R("a", 4, 3, 5, 5, 5)], 3, mayAskExtraReviewer: true);

        Assert.Equal(ConsensusOutcome.Reject, decision.Outcome);
        Assert.Contains("reasoning_structure: median 3 is below the threshold 4", decision.Reasons);
        Assert.Contains("medical_correctness: safety veto, a score of 2 is at or below 2", decision.Reasons);
        Assert.Contains("1 of 2 reviewers asked for revision", decision.Reasons);
        Assert.Equal(3, decision.Medians["medical_correctness"]);
    }

    [Fact]
    public void Decide_NoReviews_Throws()
    {
        Assert.Throws<ArgumentException>(() => Consensus.Decide(Rubric, [], 3, true));
    }

    [Fact]
    public void Decide_ReviewMissingACriterion_ThrowsNamingReviewerAndCriterion()
    {
        var partial = R("a", 5, 5, 5, 5, 5) with { Scores = new Dictionary<string, int> { ["medical_correctness"] = 5 } };

        var e = Assert.Throws<ArgumentException>(() => Consensus.Decide(Rubric, [partial], 3, true));

        Assert.Contains("reasoning_structure", e.Message, StringComparison.Ordinal);
        Assert.Contains(partial.ReviewerId, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_CustomRubricThreshold_IsHonoured()
    {
        var lenient = RubricOptions.Default().Criteria.Select(c => { c.AcceptThreshold = 3; return c; }).ToList();

        var decision = Consensus.Decide(lenient, [R("a", 3, 3, 3, 3, 3), R("a", 3, 3, 3, 3, 3)], 3, true);

        Assert.Equal(ConsensusOutcome.Accept, decision.Outcome);
    }
}
