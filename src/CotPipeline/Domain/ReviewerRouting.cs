using CotPipeline.Options;

namespace CotPipeline.Domain;

/// <summary>
/// Which reviewers may review an item of a department, best first: the item's own department (or "*"), then the
/// configured fallback departments in order, then any other department when <see cref="AnyDepartmentLast"/>.
/// </summary>
public sealed record ReviewerRouting(IReadOnlyDictionary<string, IReadOnlyList<string>> DepartmentFallbacks, bool AnyDepartmentLast)
{
    /// <summary>No fallbacks, anyone last: how batches snapshotted before routing was configurable were routed.</summary>
    public static ReviewerRouting Default { get; } = new(new Dictionary<string, IReadOnlyList<string>>(), AnyDepartmentLast: true);

    public static ReviewerRouting From(PipelineOptions pipeline) => new(
        pipeline.DepartmentFallbacks.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)[.. p.Value], StringComparer.OrdinalIgnoreCase),
        pipeline.AnyDepartmentLast);

    /// <summary>
    /// 0 when the reviewer covers <paramref name="itemDepartment"/> (or any), k for the k-th fallback department, one more
    /// than the fallbacks for any other reviewer when allowed; null when the reviewer may not review the item.
    /// </summary>
    public int? Rank(string reviewerDepartments, string itemDepartment)
    {
        if (Departments.Matches(reviewerDepartments, itemDepartment))
        {
            return 0;
        }

        // Matched without regard to case, like departments everywhere; a snapshot read back has an ordinal dictionary.
        var fallbacks = DepartmentFallbacks.FirstOrDefault(p => string.Equals(p.Key, itemDepartment, StringComparison.OrdinalIgnoreCase)).Value ?? [];
        for (var i = 0; i < fallbacks.Count; i++)
        {
            if (Departments.Matches(reviewerDepartments, fallbacks[i]))
            {
                return i + 1;
            }
        }

        return AnyDepartmentLast ? fallbacks.Count + 1 : null;
    }
}
