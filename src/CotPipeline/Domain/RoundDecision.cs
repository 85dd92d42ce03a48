namespace CotPipeline.Domain;

/// <summary>The consensus decision of a round, stored as <c>items/{batchId}/{itemId}/decisions/{round}.json</c>.</summary>
public sealed record RoundDecision(
    int Round,
    ConsensusOutcome Outcome,
    IReadOnlyDictionary<string, double> Medians,
    IReadOnlyList<string> Reasons,
    IReadOnlyList<string> Reviewers,
    string? RewriteBy,
    DateTimeOffset DecidedAt);
