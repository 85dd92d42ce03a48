namespace CotPipeline.Domain;

/// <summary>
/// What the export writes of a verified item, gathered once when the item is finalised: the pair, its final rationale version,
/// how its loop ended, each round's decision and each round's counted reviews. Stored as one row of the VerifiedItems table
/// (see <c>VerifiedItemRows</c>). <see cref="Rounds"/> is null in rows written before they carried the reviews.
/// </summary>
public sealed record VerifiedItem(
    QaItem Item, RationaleVersion Version, FinalRecord Final, IReadOnlyList<RoundDecision> Decisions, IReadOnlyList<ReviewedRound>? Rounds = null);

/// <summary>One round of an item as the export writes it: the version reviewed and its counted reviews, in reviewer order.</summary>
public sealed record ReviewedRound(int Round, int Version, IReadOnlyList<ScoredReview> Reviews);

/// <summary>What the export keeps of a counted review: no comments, no rewrite.</summary>
public sealed record ScoredReview(string ReviewerId, Verdict Verdict, IReadOnlyDictionary<string, int> Scores);
