namespace CotPipeline.Domain;

/// <summary>
/// Who was asked to review in a round, stored as <c>items/{batchId}/{itemId}/assigned/{round}.json</c>: one entry per call of the
/// assignment step, written before its assignment rows, so a retried call hands back the same reviewers and nobody is asked twice
/// in a round. Entries are only ever added.
/// </summary>
public sealed record RoundAssignments(IReadOnlyList<AssignmentCall> Calls)
{
    /// <summary>Everyone asked in the round so far.</summary>
    public IEnumerable<string> Asked() => Calls.SelectMany(c => c.ReviewerIds);
}

/// <summary>One call of the assignment step: its <see cref="Key"/> (what it was asked) and the reviewers it chose.</summary>
public sealed record AssignmentCall(string Key, IReadOnlyList<string> ReviewerIds);
