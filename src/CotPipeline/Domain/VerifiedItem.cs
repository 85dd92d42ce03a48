namespace CotPipeline.Domain;

/// <summary>
/// What the export writes of a verified item, gathered once when the item is finalised: the pair, its final rationale version,
/// how its loop ended and each round's decision. Stored as one row of the VerifiedItems table (see <c>VerifiedItemRows</c>).
/// </summary>
public sealed record VerifiedItem(QaItem Item, RationaleVersion Version, FinalRecord Final, IReadOnlyList<RoundDecision> Decisions);
