using Azure;
using Azure.Data.Tables;

namespace CotPipeline.Storage;

/// <summary>A reviewer's open work: how many assignments it has open, and when that was last checked against them.</summary>
public sealed record Workload(int Open, DateTimeOffset? CheckedAt);

/// <summary>
/// Each reviewer's open work, kept beside the registry (Reviewers table, partition "reviewers", in keys after every reviewer id)
/// so routing reads it in one query instead of scanning every reviewer's Assignments history. An open assignment has a marker row
/// <c>~open:{reviewerId}:{assignmentId}</c>, inserted when it opens and deleted when it stops being open; a reviewer's open work is
/// the number of its markers. Inserting and deleting a marker are idempotent, so retried steps count once, and no two steps
/// contend for a shared row. A marker follows its assignment's status with a write of its own, so a host killed between the two
/// can leave it wrong (the step is usually retried and heals it); <see cref="RecountAsync"/> sets any such drift right from the
/// Assignments partition, and routing runs it for a reviewer not checked for <see cref="RecheckAfter"/>
/// (<c>~checked:{reviewerId}</c> holds when).
/// </summary>
public sealed class Workloads(TableClient reviewers, TableClient assignments)
{
    /// <summary>How long a reviewer's open work goes without being checked against its assignments.</summary>
    public static readonly TimeSpan RecheckAfter = TimeSpan.FromHours(1);

    /// <summary>Registry rows are keyed by reviewer id, and ids never contain '~': the workload rows all sort after them.</summary>
    public const string RegistryEnd = "~";

    private const string CheckedPrefix = "~checked:";
    private const string MarkerPrefix = "~open:";
    private const string CheckedAtColumn = "CheckedAt";

    private static string MarkerKey(AssignmentId id) => $"{MarkerPrefix}{id.ReviewerId}:{id}";

    /// <summary>The open work of every reviewer that has any or was ever checked, by reviewer id: one query.</summary>
    public async Task<Dictionary<string, Workload>> ReadAllAsync(CancellationToken ct = default)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {ReviewerRow.Partition} and RowKey ge {RegistryEnd}");
        var open = new Dictionary<string, int>(StringComparer.Ordinal);
        var checkedAt = new Dictionary<string, DateTimeOffset?>(StringComparer.Ordinal);
        await foreach (var row in reviewers.QueryAsync<TableEntity>(filter, select: ["RowKey", CheckedAtColumn], cancellationToken: ct))
        {
            if (row.RowKey.StartsWith(MarkerPrefix, StringComparison.Ordinal))
            {
                var reviewerId = row.RowKey[MarkerPrefix.Length..row.RowKey.IndexOf(':', MarkerPrefix.Length)];
                open[reviewerId] = open.GetValueOrDefault(reviewerId) + 1;
            }
            else if (row.RowKey.StartsWith(CheckedPrefix, StringComparison.Ordinal))
            {
                checkedAt[row.RowKey[CheckedPrefix.Length..]] = row.GetDateTimeOffset(CheckedAtColumn);
            }
        }

        return open.Keys.Union(checkedAt.Keys)
            .ToDictionary(id => id, id => new Workload(open.GetValueOrDefault(id), checkedAt.GetValueOrDefault(id)), StringComparer.Ordinal);
    }

    /// <summary>How many assignments <paramref name="reviewerId"/> has open (bounded by its capacity: a range of its markers).</summary>
    public async Task<int> OpenCountAsync(string reviewerId, CancellationToken ct = default) => (await MarkersAsync(reviewerId, ct)).Count;

    /// <summary>
    /// The same, checked against the reviewer's assignments first when it was not for <see cref="RecheckAfter"/> (or never, as for
    /// assignments written before open work was counted this way): for the operator's view of one reviewer.
    /// </summary>
    public async Task<int> CheckedOpenCountAsync(string reviewerId, DateTimeOffset now, CancellationToken ct = default)
    {
        var stamp = await reviewers.GetEntityIfExistsAsync<TableEntity>(ReviewerRow.Partition, CheckedPrefix + reviewerId, cancellationToken: ct);
        var lastChecked = stamp.HasValue ? stamp.Value?.GetDateTimeOffset(CheckedAtColumn) : null;
        return lastChecked is null || now - lastChecked > RecheckAfter
            ? await RecountAsync(reviewerId, lastChecked, now, ct) ?? await OpenCountAsync(reviewerId, ct)
            : await OpenCountAsync(reviewerId, ct);
    }

    /// <summary>Counts an assignment as open; false when it already was.</summary>
    public Task<bool> OpenAsync(AssignmentId id, CancellationToken ct = default) =>
        AddIfMissingAsync(new TableEntity(ReviewerRow.Partition, MarkerKey(id)), ct);

    /// <summary>Stops counting an assignment as open; false when it was not counted.</summary>
    public async Task<bool> CloseAsync(AssignmentId id, CancellationToken ct = default) =>
        (await reviewers.DeleteEntityAsync(ReviewerRow.Partition, MarkerKey(id), ETag.All, ct)).Status != 404;

    /// <summary>
    /// Sets a reviewer's markers right from the Assignments partition (a scan of its whole history, so it runs rarely): a marker for
    /// every open assignment and none for the others. One caller checks a reviewer at a time: it claims the check by stamping
    /// <c>~checked:{reviewerId}</c> first, conditional on the stamp <paramref name="lastChecked"/> it read; the others go on with the
    /// count as it is. Returns the reviewer's open work afterwards, or null when another caller claimed the check.
    /// </summary>
    public async Task<int?> RecountAsync(string reviewerId, DateTimeOffset? lastChecked, DateTimeOffset now, CancellationToken ct = default)
    {
        var stamp = new TableEntity(ReviewerRow.Partition, CheckedPrefix + reviewerId) { [CheckedAtColumn] = now };
        if (lastChecked is null)
        {
            if (!await AddIfMissingAsync(stamp, ct))
            {
                return null;
            }
        }
        else
        {
            var found = await reviewers.GetEntityIfExistsAsync<TableEntity>(stamp.PartitionKey, stamp.RowKey, cancellationToken: ct);
            if ((found.HasValue ? found.Value : null) is not { } current || current.GetDateTimeOffset(CheckedAtColumn) != lastChecked)
            {
                return null;
            }

            try
            {
                await reviewers.UpdateEntityAsync(stamp, current.ETag, TableUpdateMode.Replace, ct);
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                return null;
            }
        }

        // Markers first: an assignment opened between the two reads has its row but not yet its marker, and gets it here (its own
        // step's insert then finds it and counts nothing).
        var markers = await MarkersAsync(reviewerId, ct);
        var open = new HashSet<string>(StringComparer.Ordinal);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {reviewerId} and Status eq {AssignmentStatus.Open}");
        await foreach (var row in assignments.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: ct))
        {
            open.Add(row.RowKey);
        }

        foreach (var assignment in open.Except(markers))
        {
            if (AssignmentId.TryParse(assignment, out var id))
            {
                await OpenAsync(id, ct);
            }
        }

        foreach (var assignment in markers.Except(open))
        {
            if (AssignmentId.TryParse(assignment, out var id))
            {
                await CloseAsync(id, ct);
            }
        }

        return open.Count;
    }

    /// <summary>The assignment ids of a reviewer's markers.</summary>
    private async Task<HashSet<string>> MarkersAsync(string reviewerId, CancellationToken ct)
    {
        var prefix = $"{MarkerPrefix}{reviewerId}:";
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {ReviewerRow.Partition} and RowKey ge {prefix} and RowKey lt {prefix[..^1] + ";"}");
        var markers = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var row in reviewers.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: ct))
        {
            markers.Add(row.RowKey[prefix.Length..]);
        }

        return markers;
    }

    private async Task<bool> AddIfMissingAsync(TableEntity row, CancellationToken ct)
    {
        try
        {
            await reviewers.AddEntityAsync(row, ct);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }
}
