namespace CotPipeline.Domain;

/// <summary>A reviewer's overall verdict on a rationale version.</summary>
public enum Verdict
{
    Accept,
    NeedsRevision,
}

/// <summary>
/// One reviewer's review of one round: a score and comment per rubric criterion, a verdict and optionally a rewrite.
/// Stored whole, as JSON, in its row of the Reviews table (<see cref="Storage.ReviewRow.ReviewJson"/>).
/// </summary>
public sealed record Review
{
    /// <summary>Comment key for remarks that belong to no single criterion.</summary>
    public const string GeneralComment = "general";

    public required string BatchId { get; init; }
    public required string ItemId { get; init; }
    public required int Round { get; init; }
    public required int Version { get; init; }
    public required string ReviewerId { get; init; }
    public required string AssignmentId { get; init; }
    public required IReadOnlyDictionary<string, int> Scores { get; init; }
    public IReadOnlyDictionary<string, string> Comments { get; init; } = new Dictionary<string, string>();
    public required Verdict Verdict { get; init; }
    public string? Rewrite { get; init; }
    public required DateTimeOffset SubmittedAt { get; init; }
}
