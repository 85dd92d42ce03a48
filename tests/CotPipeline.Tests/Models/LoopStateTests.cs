using CotPipeline.Domain;
using CotPipeline.Models;

namespace CotPipeline.Tests.Models;

/// <summary>Where a retried item's loop starts again.</summary>
public sealed class LoopStateTests
{
    private static RoundDecision Decided(int round, ConsensusOutcome outcome, string? rewriteBy = null) =>
        new(round, outcome, new Dictionary<string, double>(), [], ["r1", "r2"], rewriteBy, DateTimeOffset.UnixEpoch);

    [Fact]
    public void Resume_NoVersionYet_DraftsTheFirst()
    {
        Assert.Equal(new LoopState(0, 0, 0, NextVersionKind.Draft, Retries: 1), LoopState.Resume(0, 0, 0, 1, null, strikeCap: 5));
    }

    [Fact]
    public void Resume_LastRoundRejected_RegeneratesWithItsCritique()
    {
        Assert.Equal(new LoopState(2, 2, 2, NextVersionKind.Regenerate, CritiqueRound: 2, Retries: 1),
            LoopState.Resume(2, 2, 2, 1, Decided(2, ConsensusOutcome.Reject), strikeCap: 5));
    }

    [Fact]
    public void Resume_LastRoundRejectedWithARewrite_CommitsTheRewrite()
    {
        Assert.Equal(new LoopState(1, 1, 1, NextVersionKind.HumanRewrite, CritiqueRound: 1, RewriteBy: "r2", Retries: 2),
            LoopState.Resume(1, 1, 1, 2, Decided(1, ConsensusOutcome.Reject, "r2"), strikeCap: 5));
    }

    [Fact]
    public void Resume_FailedInTheMiddleOfARound_RegeneratesWithoutCritique()
    {
        Assert.Equal(new LoopState(3, 2, 2, NextVersionKind.Regenerate, Retries: 1), LoopState.Resume(3, 2, 2, 1, null, strikeCap: 5));
    }

    [Fact]
    public void Resume_AtTheStrikeCap_GoesToAdjudication()
    {
        Assert.Equal(new LoopState(5, 5, 5, NextVersionKind.None, Adjudicating: true, Retries: 1),
            LoopState.Resume(5, 5, 5, 1, Decided(5, ConsensusOutcome.Reject), strikeCap: 5));
    }
}
