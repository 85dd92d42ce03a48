using System.Diagnostics;
using Azure;
using Azure.Data.Tables;

namespace CotPipeline.Storage;

/// <summary>A reviewer's open work: how many assignments it has open, and when that was last checked against them.</summary>
public sealed record Workload(int Open, DateTimeOffset? CheckedAt);

/// <summary>
/// Each reviewer's open work, kept in a table of its own (OpenWork, partition "reviewers") so routing reads it in one query instead
/// of scanning every reviewer's Assignments history. An open assignment has a marker row
/// <c>~open:{reviewerId}:{assignmentId}</c>, inserted when it opens and deleted when it stops being open; a reviewer's open work is
/// the number of its markers. Inserting and deleting a marker are idempotent, so retried steps count once, and no two steps
/// contend for a shared row. A marker follows its assignment's status with a write of its own, so a host killed between the two
/// can leave it wrong (the step is usually retried and heals it); <see cref="RecountAsync"/> sets any such drift right from the
/// Assignments partition, and routing runs it for a reviewer not checked for <see cref="RecheckAfter"/>
/// (<c>~checked:{reviewerId}</c> holds when).
/// Routing reads every reviewer's open work once per <paramref name="viewLifetime"/> (or <see cref="ViewCostFactor"/> times as long as
/// the last read took, if longer) (<see cref="ViewAsync"/>) and keeps that view current
/// with this process's own changes: the query returns every marker, thousands while a large batch is in review, and on Azurite it
/// cost a third of the emulator's time when each round made it. (The markers used to live in the Reviewers table, after the
/// registry's rows: on Azurite every read of the registry then filtered them all, a third of its time at 7,000 items in review.
/// <see cref="MoveFromRegistryAsync"/> moves those of an earlier version.)
/// </summary>
public sealed class Workloads(TableClient rows, TableClient assignments, TimeSpan viewLifetime)
{
    /// <summary>How long a reviewer's open work goes without being checked against its assignments.</summary>
    public static readonly TimeSpan RecheckAfter = TimeSpan.FromHours(1);

    /// <summary>
    /// How long routing uses one read of everybody's open work, by default. Changes this process makes are applied to it at once;
    /// those of other processes (a scaled-out app) show at the next read.
    /// </summary>
    public static readonly TimeSpan ViewLifetime = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A view lasts at least this many times as long as its read took: reading every marker costs storage time in proportion to the
    /// open work (on an otherwise idle Azurite, 2.1–2.5 s to read 45,000 markers: the emulator filters and sorts the whole table
    /// for each of its 45 pages), and the reads should take no more than a twentieth of it.
    /// </summary>
    public const int ViewCostFactor = 20;

    /// <summary>How long a view read in <paramref name="readTook"/> lasts: <paramref name="lifetime"/>, or longer when the read was slow.</summary>
    public static TimeSpan ViewLifetimeAfter(TimeSpan readTook, TimeSpan lifetime) =>
        readTook * ViewCostFactor > lifetime ? readTook * ViewCostFactor : lifetime;

    private readonly Lock _gate = new();
    // Markers and stamps are small rows of one partition, written by every routing and closing step: committed together.
    private readonly PartitionWrites _writes = new(rows);
    private Dictionary<string, Workload>? _view;
    private long _viewReadAt;
    // How long the view lasts: set by each read (TimedReadAllAsync) before its result becomes the view.
    private TimeSpan _viewLasts;
    private Task<Dictionary<string, Workload>>? _reading;
    // Assignments this process opened while the view was being read: added to the new view whether or not the read saw them, so
    // it errs towards more open work (a reviewer skipped for a few seconds), never towards less (a reviewer over capacity).
    private List<string>? _openedWhileReading;

    /// <summary>Registry rows are keyed by reviewer id, and ids never contain '~': the workload rows sort after them wherever they are.</summary>
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
        await foreach (var row in rows.QueryAsync<TableEntity>(filter, select: ["RowKey", CheckedAtColumn], cancellationToken: ct))
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

    /// <summary>
    /// Moves the workload rows an earlier version kept in the Reviewers table (after the registry's rows) to this table: copied, then
    /// deleted there. Harmless to run again or in two processes at once; a marker an earlier version's host writes there meanwhile is
    /// not moved, and the hourly recount (<see cref="RecountAsync"/>) counts its assignment. The number of rows moved.
    /// </summary>
    public async Task<int> MoveFromRegistryAsync(TableClient registry, CancellationToken ct = default)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {ReviewerRow.Partition} and RowKey ge {RegistryEnd}");
        var moved = 0;
        await foreach (var page in registry.QueryAsync<TableEntity>(filter, maxPerPage: 100, cancellationToken: ct).AsPages())
        {
            if (page.Values.Count == 0)
            {
                continue;
            }

            await rows.SubmitTransactionAsync(page.Values.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, Copy(r))), ct);
            foreach (var row in page.Values)
            {
                await registry.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, ct);
            }

            moved += page.Values.Count;
        }

        return moved;

        // What the rows carry: their keys, and the check's time.
        static TableEntity Copy(TableEntity row)
        {
            var copy = new TableEntity(row.PartitionKey, row.RowKey);
            if (row.GetDateTimeOffset(CheckedAtColumn) is { } at)
            {
                copy[CheckedAtColumn] = at;
            }

            return copy;
        }
    }

    /// <summary>
    /// Everybody's open work as <see cref="ReadAllAsync"/> last read it, no more than the view's lifetime ago, with this
    /// process's changes since: a copy the caller may change.
    /// </summary>
    public async Task<Dictionary<string, Workload>> ViewAsync(CancellationToken ct = default)
    {
        Task<Dictionary<string, Workload>> reading;
        lock (_gate)
        {
            if (_view is not null && Stopwatch.GetElapsedTime(_viewReadAt) < _viewLasts)
            {
                return new Dictionary<string, Workload>(_view, StringComparer.Ordinal);
            }

            if (_reading is null)
            {
                _openedWhileReading = [];
                _reading = TimedReadAllAsync();
            }

            reading = _reading;
        }

        Dictionary<string, Workload> read;
        try
        {
            read = await reading.WaitAsync(ct);
        }
        finally
        {
            lock (_gate)
            {
                if (_reading == reading && reading.IsCompleted)
                {
                    _reading = null;
                    if (reading.IsCompletedSuccessfully)
                    {
                        foreach (var reviewerId in _openedWhileReading!)
                        {
                            Change(reading.Result, reviewerId, +1);
                        }

                        _view = reading.Result;
                        _viewReadAt = Stopwatch.GetTimestamp();
                    }

                    _openedWhileReading = null;
                }
            }
        }

        lock (_gate)
        {
            return new Dictionary<string, Workload>(_view ?? read, StringComparer.Ordinal);
        }
    }

    private async Task<Dictionary<string, Workload>> TimedReadAllAsync()
    {
        var started = Stopwatch.GetTimestamp();
        var read = await ReadAllAsync(CancellationToken.None);
        var lasts = ViewLifetimeAfter(Stopwatch.GetElapsedTime(started), viewLifetime);
        lock (_gate)
        {
            _viewLasts = lasts;
        }

        return read;
    }

    /// <summary>How many assignments <paramref name="reviewerId"/> has open (bounded by its capacity: a range of its markers).</summary>
    public async Task<int> OpenCountAsync(string reviewerId, CancellationToken ct = default) => (await MarkersAsync(reviewerId, ct)).Count;

    /// <summary>
    /// The same, checked against the reviewer's assignments first when it was not for <see cref="RecheckAfter"/> (or never, as for
    /// assignments written before open work was counted this way): for the operator's view of one reviewer.
    /// </summary>
    public async Task<int> CheckedOpenCountAsync(string reviewerId, DateTimeOffset now, CancellationToken ct = default)
    {
        var stamp = await rows.GetEntityIfExistsAsync<TableEntity>(ReviewerRow.Partition, CheckedPrefix + reviewerId, cancellationToken: ct);
        var lastChecked = stamp.HasValue ? stamp.Value?.GetDateTimeOffset(CheckedAtColumn) : null;
        return lastChecked is null || now - lastChecked > RecheckAfter
            ? await RecountAsync(reviewerId, lastChecked, now, ct) ?? await OpenCountAsync(reviewerId, ct)
            : await OpenCountAsync(reviewerId, ct);
    }

    /// <summary>Counts an assignment as open; false when it already was.</summary>
    public async Task<bool> OpenAsync(AssignmentId id, CancellationToken ct = default)
    {
        var opened = await _writes.AddAsync(new TableEntity(ReviewerRow.Partition, MarkerKey(id)), ct);
        if (opened)
        {
            lock (_gate)
            {
                _openedWhileReading?.Add(id.ReviewerId);
                Change(_view, id.ReviewerId, +1);
            }
        }

        return opened;
    }

    /// <summary>Stops counting an assignment as open; false when it was not counted.</summary>
    public async Task<bool> CloseAsync(AssignmentId id, CancellationToken ct = default)
    {
        var closed = await _writes.DeleteAsync(ReviewerRow.Partition, MarkerKey(id), ct);
        if (closed)
        {
            lock (_gate)
            {
                Change(_view, id.ReviewerId, -1);
            }
        }

        return closed;
    }

    private static void Change(Dictionary<string, Workload>? view, string reviewerId, int by)
    {
        if (view is not null)
        {
            var was = view.GetValueOrDefault(reviewerId) ?? new Workload(0, null);
            view[reviewerId] = was with { Open = Math.Max(0, was.Open + by) };
        }
    }

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
            if (!await _writes.AddAsync(stamp, ct))
            {
                return null;
            }
        }
        else
        {
            var found = await rows.GetEntityIfExistsAsync<TableEntity>(stamp.PartitionKey, stamp.RowKey, cancellationToken: ct);
            if ((found.HasValue ? found.Value : null) is not { } current || current.GetDateTimeOffset(CheckedAtColumn) != lastChecked)
            {
                return null;
            }

            try
            {
                await rows.UpdateEntityAsync(stamp, current.ETag, TableUpdateMode.Replace, ct);
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

        lock (_gate)
        {
            _view?[reviewerId] = new Workload(open.Count, now);
        }

        return open.Count;
    }

    /// <summary>The assignment ids of a reviewer's markers.</summary>
    private async Task<HashSet<string>> MarkersAsync(string reviewerId, CancellationToken ct)
    {
        var prefix = $"{MarkerPrefix}{reviewerId}:";
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {ReviewerRow.Partition} and RowKey ge {prefix} and RowKey lt {prefix[..^1] + ";"}");
        var markers = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var row in rows.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: ct))
        {
            markers.Add(row.RowKey[prefix.Length..]);
        }

        return markers;
    }
}
