using Azure;
using Azure.Data.Tables;

namespace CotPipeline.Storage;

/// <summary>Reviewers: PK "reviewers", RK "~workload:{reviewerId}". How many assignments a reviewer has open.</summary>
public sealed class WorkloadRow : Row
{
    /// <summary>The reviewer's open markers, counted (see <see cref="Workloads"/>).</summary>
    public int Open { get; set; }

    /// <summary>When the markers were last checked against the Assignments partition; null for never.</summary>
    public DateTimeOffset? CheckedAt { get; set; }
}

/// <summary>
/// Each reviewer's open work, kept beside the registry (Reviewers table, partition "reviewers") so routing reads it with the
/// registry instead of scanning every reviewer's Assignments history. An open assignment has a marker row
/// (<c>~open:{reviewerId}:{assignmentId}</c>), and the reviewer's <see cref="WorkloadRow"/> counts them: marker and count change
/// together in one entity-group transaction, and a marker is inserted once and deleted once, so retried steps count once and the
/// count always equals the markers. A marker follows its assignment's status with a write of its own; a host killed between the
/// two can leave it wrong (the step is usually retried and heals it), and <see cref="RecountAsync"/> sets any such drift right from
/// the Assignments partition, which routing does for a reviewer not checked for <see cref="RecheckAfter"/>.
/// </summary>
public sealed class Workloads(TableClient reviewers, TableClient assignments)
{
    /// <summary>How long a reviewer's count goes without being checked against its assignments.</summary>
    public static readonly TimeSpan RecheckAfter = TimeSpan.FromHours(1);

    /// <summary>Registry rows are keyed by reviewer id, and ids never contain '~': the workload rows all sort after them.</summary>
    public const string RegistryEnd = "~";

    private const string CountPrefix = "~workload:";
    private const string MarkerPrefix = "~open:";
    private const int MaxAttempts = 50;

    public static string CountKey(string reviewerId) => CountPrefix + reviewerId;

    private static string MarkerKey(AssignmentId id) => $"{MarkerPrefix}{id.ReviewerId}:{id}";

    /// <summary>The counts of every reviewer that ever had work, by reviewer id: one query.</summary>
    public async Task<Dictionary<string, WorkloadRow>> ReadAllAsync(CancellationToken ct = default)
    {
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {ReviewerRow.Partition} and RowKey ge {CountPrefix} and RowKey lt {CountPrefix[..^1] + ";"}");
        var rows = new Dictionary<string, WorkloadRow>(StringComparer.Ordinal);
        await foreach (var row in reviewers.QueryAsync<WorkloadRow>(filter, cancellationToken: ct))
        {
            rows[row.RowKey[CountPrefix.Length..]] = row;
        }

        return rows;
    }

    /// <summary>How many assignments <paramref name="reviewerId"/> has open.</summary>
    public async Task<int> OpenCountAsync(string reviewerId, CancellationToken ct = default) =>
        (await ReadAsync(reviewerId, ct))?.Open ?? 0;

    /// <summary>Counts an assignment as open; false when it already was. <paramref name="known"/>, a count just read, saves a read.</summary>
    public Task<bool> OpenAsync(AssignmentId id, WorkloadRow? known = null, CancellationToken ct = default) => ChangeAsync(id, +1, known, ct);

    /// <summary>Stops counting an assignment as open; false when it was not counted.</summary>
    public Task<bool> CloseAsync(AssignmentId id, CancellationToken ct = default) => ChangeAsync(id, -1, null, ct);

    private async Task<bool> ChangeAsync(AssignmentId id, int delta, WorkloadRow? known, CancellationToken ct)
    {
        var marker = new TableEntity(ReviewerRow.Partition, MarkerKey(id));
        for (var attempt = 1; ; attempt++)
        {
            var count = known ?? await ReadAsync(id.ReviewerId, ct);
            known = null;
            var next = new WorkloadRow
            {
                PartitionKey = ReviewerRow.Partition,
                RowKey = CountKey(id.ReviewerId),
                Open = Math.Max(0, (count?.Open ?? 0) + delta),
                CheckedAt = count?.CheckedAt,
            };
            TableTransactionAction[] actions =
            [
                delta > 0 ? new(TableTransactionActionType.Add, marker) : new(TableTransactionActionType.Delete, marker, ETag.All),
                count is null ? new(TableTransactionActionType.Add, next) : new(TableTransactionActionType.UpdateReplace, next, count.ETag),
            ];
            try
            {
                await reviewers.SubmitTransactionAsync(actions, ct);
                return true;
            }
            catch (TableTransactionFailedException e) when (e.Status is 404 or 409 or 412)
            {
                // Either the marker already is as wanted (then this change was made before: nothing to do), or the count changed
                // under us (another assignment of the same reviewer): read again and retry.
                if (await MarkerExistsAsync(marker, ct) == (delta > 0))
                {
                    return false;
                }

                if (attempt >= MaxAttempts)
                {
                    throw new InvalidOperationException($"The open work of reviewer {id.ReviewerId} kept changing under {MaxAttempts} attempts to count {id}.", e);
                }

                await Task.Delay(Random.Shared.Next(5, 20 + (attempt * 10)), ct);
            }
        }
    }

    /// <summary>
    /// Sets a reviewer's markers right from the Assignments partition (a scan of its whole history, so it runs rarely): a marker for
    /// every open assignment and none for the others, counted as every change is. Only one caller recounts a reviewer at a time (it
    /// claims the check by stamping <see cref="WorkloadRow.CheckedAt"/> first); the others go on with the count as it is.
    /// Returns the count afterwards, or null when another caller has the check.
    /// </summary>
    public async Task<WorkloadRow?> RecountAsync(string reviewerId, DateTimeOffset now, CancellationToken ct = default)
    {
        var count = await ReadAsync(reviewerId, ct);
        var claim = new WorkloadRow { PartitionKey = ReviewerRow.Partition, RowKey = CountKey(reviewerId), Open = count?.Open ?? 0, CheckedAt = now };
        try
        {
            if (count is null)
            {
                await reviewers.AddEntityAsync(claim, ct);
            }
            else
            {
                await reviewers.UpdateEntityAsync(claim, count.ETag, TableUpdateMode.Replace, ct);
            }
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return null;
        }

        // Markers first: an assignment opened between the two reads has its row but no marker yet, and gets one here (its own
        // step's insert then finds it and counts nothing).
        var markers = new HashSet<string>(StringComparer.Ordinal);
        var prefix = $"{MarkerPrefix}{reviewerId}:";
        var markerFilter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {ReviewerRow.Partition} and RowKey ge {prefix} and RowKey lt {prefix[..^1] + ";"}");
        await foreach (var row in reviewers.QueryAsync<TableEntity>(markerFilter, select: ["RowKey"], cancellationToken: ct))
        {
            markers.Add(row.RowKey[prefix.Length..]);
        }

        var open = new HashSet<string>(StringComparer.Ordinal);
        var openFilter = TableClient.CreateQueryFilter($"PartitionKey eq {reviewerId} and Status eq {AssignmentStatus.Open}");
        await foreach (var row in assignments.QueryAsync<TableEntity>(openFilter, select: ["RowKey"], cancellationToken: ct))
        {
            open.Add(row.RowKey);
        }

        foreach (var assignment in open.Except(markers))
        {
            if (AssignmentId.TryParse(assignment, out var id))
            {
                await OpenAsync(id, ct: ct);
            }
        }

        foreach (var assignment in markers.Except(open))
        {
            if (AssignmentId.TryParse(assignment, out var id))
            {
                await CloseAsync(id, ct);
            }
        }

        return await ReadAsync(reviewerId, ct);
    }

    private async Task<WorkloadRow?> ReadAsync(string reviewerId, CancellationToken ct)
    {
        var row = await reviewers.GetEntityIfExistsAsync<WorkloadRow>(ReviewerRow.Partition, CountKey(reviewerId), cancellationToken: ct);
        return row.HasValue ? row.Value : null;
    }

    private async Task<bool> MarkerExistsAsync(TableEntity marker, CancellationToken ct) =>
        (await reviewers.GetEntityIfExistsAsync<TableEntity>(marker.PartitionKey, marker.RowKey, select: ["RowKey"], cancellationToken: ct)).HasValue;
}
