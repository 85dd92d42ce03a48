using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using CotPipeline.Domain;
using CotPipeline.Models;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Primitives;

namespace CotPipeline.Storage;

/// <summary>
/// Every read and write of artifacts (Blob) and the index (Tables), with the paths and keys of ARCHITECTURE.md.
/// Blobs that record history are written create-only: nothing is overwritten.
/// </summary>
public sealed class CotStore : IDisposable
{
    private readonly BlobContainerClient _container;
    private readonly Lazy<Task> _ready;
    private readonly ConcurrentDictionary<string, (BatchSettings Settings, long ReadAt, DateTimeOffset ReadAtUtc)> _settings = new(StringComparer.Ordinal);
    private readonly MemoryCache _artifacts = new(new MemoryCacheOptions { SizeLimit = ArtifactBytes });
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _artifactsOfBatch = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string BatchId, int Shard), SemaphoreSlim> _counterShards = new();

    /// <summary>Bytes of JSON of write-once blobs kept at most (see <see cref="ReadArtifactAsync"/>): some minutes of a batch's items.</summary>
    public const long ArtifactBytes = 32 * 1024 * 1024;

    /// <summary>How long a read of a batch's settings is used again (see <see cref="ReadSettingsAsync"/>).</summary>
    public static readonly TimeSpan SettingsLifetime = TimeSpan.FromMinutes(5);

    public CotStore(BlobContainerClient container, TableServiceClient tables, string tablePrefix)
    {
        _container = container;
        Batches = tables.GetTableClient(tablePrefix + "Batches");
        Items = tables.GetTableClient(tablePrefix + "Items");
        Reviews = tables.GetTableClient(tablePrefix + "Reviews");
        Reviewers = tables.GetTableClient(tablePrefix + "Reviewers");
        Assignments = tables.GetTableClient(tablePrefix + "Assignments");
        OpenWork = tables.GetTableClient(tablePrefix + "OpenWork");
        Workloads = new Workloads(OpenWork, Assignments, Workloads.ViewLifetime);
        VerifiedItems = tables.GetTableClient(tablePrefix + "VerifiedItems");
        ReviewRelay = tables.GetTableClient(tablePrefix + "ReviewRelay");
        MailSent = tables.GetTableClient(tablePrefix + "MailSent");
        _ready = new Lazy<Task>(CreateAsync);
    }

    public void Dispose() => _artifacts.Dispose();

    public TableClient Batches { get; }
    public TableClient Items { get; }
    public TableClient Reviews { get; }
    public TableClient Reviewers { get; }
    public TableClient Assignments { get; }
    /// <summary>What the export needs of each verified item, one row per item (<see cref="VerifiedItemRows"/>).</summary>
    public TableClient VerifiedItems { get; }

    /// <summary>Stored reviews whose follow-up (event, assignment) may still be owed: PK "relay", RK assignment id (<see cref="Http.ReviewRelay"/>).</summary>
    public TableClient ReviewRelay { get; }

    /// <summary>
    /// A row per e-mail handed to the SMTP server (<see cref="Mail.ReviewMailer"/>): PK batch id, RK <see cref="MailSentKey"/>. One
    /// partition per batch, so the rows of e-mails sent at the same moment share a transaction (<see cref="PartitionWrites"/>).
    /// </summary>
    public TableClient MailSent { get; }

    /// <summary>Each reviewer's open work.</summary>
    public Workloads Workloads { get; }

    /// <summary>The table of <see cref="Workloads"/>: a marker per open assignment, and when each reviewer's count was checked.</summary>
    public TableClient OpenWork { get; }

    /// <summary>Creates the container and tables once per process.</summary>
    public Task EnsureCreatedAsync() => _ready.Value;

    private async Task CreateAsync()
    {
        await _container.CreateIfNotExistsAsync();
        foreach (var table in new[] { Batches, Items, Reviews, Reviewers, Assignments, VerifiedItems, OpenWork, ReviewRelay, MailSent })
        {
            await table.CreateIfNotExistsAsync();
        }

        await Workloads.MoveFromRegistryAsync(Reviewers);
    }

    public static string InputPath(string batchId) => $"batches/{batchId}/input.jsonl";
    public static string SettingsPath(string batchId) => $"batches/{batchId}/settings.json";
    public static string ItemPath(string batchId, string itemId) => $"items/{batchId}/{itemId}/item.json";
    public static string VersionPath(string batchId, string itemId, int version) => $"items/{batchId}/{itemId}/v{version}.json";
    public static string CandidatePath(string batchId, string itemId, int version, int candidate, int attempt) =>
        $"items/{batchId}/{itemId}/candidates/v{version}-a{attempt}-c{candidate}.json";
    /// <summary>Who was asked in a round, call by call (<see cref="RoundAssignments"/>).</summary>
    public static string RoundAssignmentsPath(string batchId, string itemId, int round) => $"items/{batchId}/{itemId}/assigned/{round}.json";
    public static string DecisionPath(string batchId, string itemId, int round) => $"items/{batchId}/{itemId}/decisions/{round}.json";
    public static string AdjudicationPath(string batchId, string itemId) => $"items/{batchId}/{itemId}/adjudication.json";
    public static string FinalPath(string batchId, string itemId) => $"items/{batchId}/{itemId}/final.json";
    /// <summary>The record of a failed run the operator retried (its <c>final.json</c>, moved aside), n = 1, 2, …</summary>
    public static string RetryPath(string batchId, string itemId, int retry) => $"items/{batchId}/{itemId}/retries/{retry}.json";

    /// <summary>
    /// Marker blob of a sent e-mail, as written before the markers became rows of <see cref="MailSent"/> (still honoured, listed and
    /// purged): <c>mail/{assignmentId}.sent</c> for the request, <c>….reminder-{n}.sent</c> and <c>….adjudication-{n}.sent</c> for the others.
    /// </summary>
    public static string MailSentPath(AssignmentId assignment, MailKind kind = MailKind.Request, int sequence = 0) => kind switch
    {
        MailKind.Request => $"mail/{assignment}.sent",
        MailKind.Reminder => $"mail/{assignment}.reminder-{sequence}.sent",
        _ => $"mail/{assignment}.adjudication-{sequence}.sent",
    };

    /// <summary>Prefix of the mail markers of one item's assignments (ids contain no '.', so no other item's share it).</summary>
    public static string MailPrefix(string batchId, string itemId) => $"mail/{batchId}.{itemId}.";

    /// <summary>
    /// The <see cref="MailSent"/> row key of an e-mail: its marker blob's name without <c>mail/</c> and <c>.sent</c>
    /// (<c>{assignmentId}</c>, <c>{assignmentId}.reminder-{n}</c>, <c>{assignmentId}.adjudication-{n}</c>), read back by
    /// <see cref="TryParseMailSentKey"/>. An item's rows are the keys starting <c>{batchId}.{itemId}.</c>.
    /// </summary>
    public static string MailSentKey(AssignmentId assignment, MailKind kind = MailKind.Request, int sequence = 0) =>
        MailSentPath(assignment, kind, sequence)["mail/".Length..^".sent".Length];

    /// <summary>The start of the <see cref="MailSentKey"/>s of one item's e-mails (its rows are the keys from here to its successor).</summary>
    public static string MailSentKeyPrefix(string batchId, string itemId) => MailPrefix(batchId, itemId)["mail/".Length..];

    /// <summary>Reads a key of <see cref="MailSentKey"/> back; false for any other key.</summary>
    public static bool TryParseMailSentKey(string key, out AssignmentId assignment, out MailKind kind, out int sequence) =>
        TryParseMailSentPath($"mail/{key}.sent", out assignment, out kind, out sequence);

    /// <summary>Reads a path of <see cref="MailSentPath"/> back; false for any other name.</summary>
    public static bool TryParseMailSentPath(string path, out AssignmentId assignment, out MailKind kind, out int sequence)
    {
        (assignment, kind, sequence) = (default, MailKind.Request, 0);
        if (!path.StartsWith("mail/", StringComparison.Ordinal) || !path.EndsWith(".sent", StringComparison.Ordinal))
        {
            return false;
        }

        var parts = path["mail/".Length..^".sent".Length].Split('.');
        if (parts.Length is not (4 or 5) || !AssignmentId.TryParse(string.Join('.', parts[..4]), out assignment))
        {
            return false;
        }

        if (parts.Length == 5)
        {
            var dash = parts[4].LastIndexOf('-');
            if (dash < 0 || !int.TryParse(parts[4][(dash + 1)..], System.Globalization.NumberStyles.None, null, out sequence))
            {
                return false;
            }

            kind = parts[4][..dash] == "reminder" ? MailKind.Reminder : MailKind.Adjudication;
        }

        // Read back only what writes exactly this name.
        return MailSentPath(assignment, kind, sequence) == path;
    }

    public BlobClient Blob(string path) => _container.GetBlobClient(path);

    /// <summary>Names of the blobs under <paramref name="prefix"/>, streamed page by page.</summary>
    public async IAsyncEnumerable<string> BlobNamesAsync(string prefix, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var blob in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, ct))
        {
            yield return blob.Name;
        }
    }

    /// <summary>Writes a blob only if none exists at <paramref name="path"/>; false when one already did (a retried step).</summary>
    public Task<bool> CreateJsonAsync<T>(string path, T value, CancellationToken ct = default) => SaveJsonAsync(path, value, null, ct);

    /// <summary>
    /// Writes a blob if it is still as read: <paramref name="etag"/> from <see cref="ReadJsonWithETagAsync"/>, or null for a blob
    /// that did not exist. False when another writer got there first.
    /// </summary>
    public Task<bool> SaveJsonAsync<T>(string path, T value, ETag? etag, CancellationToken ct = default) =>
        UploadJsonAsync(path, Json.Serialize(value), etag, ct);

    private async Task<bool> UploadJsonAsync(string path, string json, ETag? etag, CancellationToken ct)
    {
        try
        {
            await _container.GetBlobClient(path).UploadAsync(
                BinaryData.FromString(json),
                new BlobUploadOptions
                {
                    Conditions = etag is { } match ? new BlobRequestConditions { IfMatch = match } : new BlobRequestConditions { IfNoneMatch = ETag.All },
                    HttpHeaders = new BlobHttpHeaders { ContentType = "application/json; charset=utf-8" },
                },
                ct);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return false;
        }
    }

    /// <summary>A blob and its ETag, for a conditional <see cref="SaveJsonAsync"/>; (null, null) when there is none.</summary>
    public async Task<(T? Value, ETag? ETag)> ReadJsonWithETagAsync<T>(string path, CancellationToken ct = default)
        where T : class
    {
        try
        {
            var content = await _container.GetBlobClient(path).DownloadContentAsync(ct);
            return (Json.Deserialize<T>(content.Value.Content.ToString()), content.Value.Details.ETag);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return (null, null);
        }
    }

    public async Task<T?> ReadJsonAsync<T>(string path, CancellationToken ct = default)
        where T : class
    {
        try
        {
            var content = await _container.GetBlobClient(path).DownloadContentAsync(ct);
            return Json.Deserialize<T>(content.Value.Content.ToString());
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>
    /// A batch's settings snapshot. Nearly every step of every item reads it, and it does not change while the batch runs, so a
    /// copy is kept for <see cref="SettingsLifetime"/>; whatever rewrites it (intake, an operator's retry, a purge before the id is
    /// used again) calls <see cref="ForgetSettings"/>, and another process's copy is at most that old.
    /// </summary>
    public Task<BatchSettings> ReadSettingsAsync(string batchId, CancellationToken ct = default) =>
        ReadSettingsAsync(batchId, DateTimeOffset.MinValue, ct);

    /// <summary>
    /// The same, but a copy read before <paramref name="notBefore"/> is read again: the review path passes the moment the
    /// reviewer's assignment was created, after every blob of its batch was written, so even a batch purged and started again
    /// under the same id by another process within the copy's lifetime is seen as it is now.
    /// </summary>
    public async Task<BatchSettings> ReadSettingsAsync(string batchId, DateTimeOffset notBefore, CancellationToken ct = default)
    {
        if (_settings.TryGetValue(batchId, out var kept) && Environment.TickCount64 - kept.ReadAt < (long)SettingsLifetime.TotalMilliseconds
            && kept.ReadAtUtc >= notBefore)
        {
            return kept.Settings;
        }

        // Taken before the read: the snapshot read is at least this recent.
        var (readAt, readAtUtc) = (Environment.TickCount64, DateTimeOffset.UtcNow);
        var settings = await ReadJsonAsync<BatchSettings>(SettingsPath(batchId), ct)
            ?? throw new InvalidOperationException($"Batch {batchId} has no settings snapshot at {SettingsPath(batchId)}.");
        _settings[batchId] = (settings, readAt, readAtUtc);
        return settings;
    }

    /// <summary>Drops the kept copies of a batch's settings and artifacts, so the next read gets what is stored.</summary>
    public void ForgetSettings(string batchId)
    {
        _settings.TryRemove(batchId, out _);
        if (_artifactsOfBatch.TryRemove(batchId, out var kept))
        {
            kept.Cancel();
            kept.Dispose();
        }
    }

    /// <summary>
    /// A write-once blob of a batch (an item's copy, a rationale candidate or version, a round's decision), kept in memory after it
    /// is read or written here (<see cref="CreateArtifactAsync"/>) so the steps of an item that read what an earlier step wrote do
    /// not read it again; null when there is none. Such a blob changes only when its batch is purged and the id used again: as
    /// with the settings (<see cref="ForgetSettings"/>), a copy is kept for <see cref="SettingsLifetime"/> at most.
    /// </summary>
    public Task<T?> ReadArtifactAsync<T>(string batchId, string path, CancellationToken ct = default)
        where T : class =>
        ReadArtifactAsync<T>(batchId, path, DateTimeOffset.MinValue, ct);

    /// <summary>
    /// The same, but a copy read before <paramref name="notBefore"/> is read again: the review path passes the moment the reviewer's
    /// assignment was created (after every blob of its batch was written), so another process's purge and reuse of the id is seen.
    /// </summary>
    public async Task<T?> ReadArtifactAsync<T>(string batchId, string path, DateTimeOffset notBefore, CancellationToken ct = default)
        where T : class
    {
        if (_artifacts.TryGetValue(path, out var kept) && kept is Kept { Value: T value } copy && copy.ReadAt >= notBefore)
        {
            return value;
        }

        // Taken before the read: the copy is at least this recent.
        var readAt = DateTimeOffset.UtcNow;
        try
        {
            var content = (await _container.GetBlobClient(path).DownloadContentAsync(ct)).Value.Content;
            value = Json.Deserialize<T>(content.ToString());
            Keep(batchId, path, value, content.ToMemory().Length, readAt);
            return value;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary><see cref="CreateJsonAsync"/> for a write-once blob of a batch, kept in memory when this call wrote it (<see cref="ReadArtifactAsync"/>).</summary>
    public async Task<bool> CreateArtifactAsync<T>(string batchId, string path, T value, CancellationToken ct = default)
        where T : class
    {
        var json = Json.Serialize(value);
        var writtenAt = DateTimeOffset.UtcNow;
        if (!await UploadJsonAsync(path, json, null, ct))
        {
            return false;
        }

        Keep(batchId, path, value, json.Length, writtenAt);
        return true;
    }

    /// <summary>A kept copy and when it was read (or written): the real clock's time, as assignments record theirs.</summary>
    private sealed record Kept(object Value, DateTimeOffset ReadAt);

    private void Keep(string batchId, string path, object value, long bytes, DateTimeOffset readAt)
    {
        var batch = _artifactsOfBatch.GetOrAdd(batchId, _ => new CancellationTokenSource());
        try
        {
            _artifacts.Set(path, new Kept(value, readAt), new MemoryCacheEntryOptions { Size = bytes, AbsoluteExpirationRelativeToNow = SettingsLifetime }
                .AddExpirationToken(new CancellationChangeToken(batch.Token)));
        }
        catch (ObjectDisposedException)
        {
            // The batch was forgotten meanwhile: nothing to keep.
        }
    }

    /// <summary>An item's stored copy, kept in memory (<see cref="ReadArtifactAsync"/>).</summary>
    public async Task<QaItem> KeptItemAsync(string batchId, string itemId, CancellationToken ct = default) =>
        await ReadArtifactAsync<QaItem>(batchId, ItemPath(batchId, itemId), ct)
        ?? throw new InvalidOperationException($"Item {batchId}/{itemId} has no stored copy at {ItemPath(batchId, itemId)}.");

    /// <summary>Rationale version <paramref name="version"/> of an item, kept in memory (<see cref="ReadArtifactAsync"/>).</summary>
    public async Task<RationaleVersion> KeptVersionAsync(string batchId, string itemId, int version, CancellationToken ct = default) =>
        await ReadArtifactAsync<RationaleVersion>(batchId, VersionPath(batchId, itemId, version), ct)
        ?? throw new InvalidOperationException($"Item {batchId}/{itemId} has no version {version}.");

    public async Task<QaItem> ReadItemAsync(string batchId, string itemId, CancellationToken ct = default) =>
        await ReadJsonAsync<QaItem>(ItemPath(batchId, itemId), ct)
        ?? throw new InvalidOperationException($"Item {batchId}/{itemId} has no stored copy at {ItemPath(batchId, itemId)}.");

    public async Task<RationaleVersion> ReadVersionAsync(string batchId, string itemId, int version, CancellationToken ct = default) =>
        await ReadJsonAsync<RationaleVersion>(VersionPath(batchId, itemId, version), ct)
        ?? throw new InvalidOperationException($"Item {batchId}/{itemId} has no version {version}.");

    public async Task<T?> GetRowAsync<T>(TableClient table, string pk, string rk, CancellationToken ct = default)
        where T : class, ITableEntity
    {
        var row = await table.GetEntityIfExistsAsync<T>(pk, rk, cancellationToken: ct);
        return row.HasValue ? row.Value : null;
    }

    /// <summary>Inserts a row unless one with its keys exists; false when it did.</summary>
    public async Task<bool> AddIfMissingAsync<T>(TableClient table, T row, CancellationToken ct = default)
        where T : class, ITableEntity
    {
        try
        {
            // The ETag of the row as inserted, for a caller that keeps it (KeepRow).
            row.ETag = (await table.AddEntityAsync(row, ct)).Headers.ETag ?? default;
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    /// <summary>The reviewer registry (the rows of the Reviewers table before <see cref="Workloads.RegistryEnd"/>: an earlier version kept workload rows after them).</summary>
    public async IAsyncEnumerable<ReviewerRow> ReviewersAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {ReviewerRow.Partition} and RowKey lt {Workloads.RegistryEnd}");
        await foreach (var row in Reviewers.QueryAsync<ReviewerRow>(filter, cancellationToken: ct))
        {
            yield return row;
        }
    }

    /// <summary>
    /// How long routing uses one read of the registry (<see cref="RoutingRegistryAsync"/>). Changes made through this process's API
    /// apply at once (<see cref="ForgetRegistry"/>); those made elsewhere (another instance) at the next read.
    /// </summary>
    public TimeSpan RegistryLifetime { get; init; } = DefaultRegistryLifetime;

    /// <summary>By default as long as routing's view of everybody's open work (<see cref="Workloads.ViewLifetime"/>).</summary>
    public static readonly TimeSpan DefaultRegistryLifetime = Workloads.ViewLifetime;

    /// <summary>The registry as routing last read it and when (the real clock's time, and the stopwatch's).</summary>
    private sealed record RegistryView(IReadOnlyList<ReviewerRow> Rows, DateTimeOffset ReadAt, long ReadTicks);

    private Task<RegistryView>? _registry;

    /// <summary>
    /// The registry for routing: one read (<see cref="ReviewersAsync"/>) serves every round for <see cref="RegistryLifetime"/>,
    /// instead of a query per round (50 rows each: about 1.3 requests per pair). Each row is kept when read (<see cref="KeepRow"/>,
    /// with <paramref name="batchId"/>), so the e-mail step that follows routing finds the row it chose by (see
    /// <see cref="RegistryReadNotBefore"/>). The rows are shared: callers only read them.
    /// </summary>
    public async Task<IReadOnlyList<ReviewerRow>> RoutingRegistryAsync(string batchId, CancellationToken ct = default)
    {
        while (true)
        {
            var current = Volatile.Read(ref _registry);
            if (current is { IsFaulted: false, IsCanceled: false }
                && (!current.IsCompleted || Stopwatch.GetElapsedTime(current.Result.ReadTicks) <= RegistryLifetime))
            {
                return (await current.WaitAsync(ct)).Rows;
            }

            // One read at a time: the callers that find the view old share the read that replaces it.
            var reading = new TaskCompletionSource<RegistryView>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (Interlocked.CompareExchange(ref _registry, reading.Task, current) != current)
            {
                continue;
            }

            try
            {
                var (readAt, ticks) = (DateTimeOffset.UtcNow, Stopwatch.GetTimestamp());
                var rows = new List<ReviewerRow>();
                await foreach (var row in ReviewersAsync(CancellationToken.None))
                {
                    KeepRow(batchId, Reviewers, row, readAt);
                    rows.Add(row);
                }

                reading.SetResult(new RegistryView(rows, readAt, ticks));
            }
            catch (Exception e)
            {
                // The callers waiting on this read get its error; the next caller reads again.
                reading.SetException(e);
            }

            return (await reading.Task.WaitAsync(ct)).Rows;
        }
    }

    /// <summary>
    /// The earliest read of a registry row that routing at <paramref name="routedAt"/> may have chosen by: a kept row read no earlier
    /// is the one routing used, or newer.
    /// </summary>
    public DateTimeOffset RegistryReadNotBefore(DateTimeOffset routedAt) => routedAt - RegistryLifetime;

    /// <summary>Routing reads the registry again at its next round (a reviewer was added or changed through this process).</summary>
    public void ForgetRegistry() => Volatile.Write(ref _registry, null);

    /// <summary>
    /// A reviewer's assignment is done: no longer counted as their open work, then marked submitted (in this order, so a crash
    /// between the two leaves the assignment open and the next try, or a recount, finishes it).
    /// </summary>
    public async Task MarkSubmittedAsync(AssignmentId id, AssignmentRow assignment, CancellationToken ct = default) =>
        await EndAsync(id, assignment, AssignmentStatus.Submitted, ETag.All, ct);

    /// <summary>
    /// Ends <paramref name="assignment"/> with <paramref name="status"/> (<see cref="AssignmentStatus"/>: submitted, reassigned
    /// or closed) if it is open, as <see cref="MarkSubmittedAsync(AssignmentId, AssignmentRow, CancellationToken)"/> does,
    /// writing only if the row is still as read. Another write in between (a review that marked it submitted, the link of its
    /// e-mail) makes it read the row again and decide on what is stored: an assignment already ended keeps its status, and one
    /// still open is not left open because something else changed its row. True when this call ended it.
    /// </summary>
    public async Task<bool> EndIfOpenAsync(AssignmentId id, AssignmentRow? assignment, string status, CancellationToken ct = default)
    {
        while (assignment is { Status: AssignmentStatus.Open })
        {
            try
            {
                await EndAsync(id, assignment, status, assignment.ETag == default ? ETag.All : assignment.ETag, ct);
                return true;
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                assignment = await GetRowAsync<AssignmentRow>(Assignments, id.ReviewerId, id.ToString(), ct);
            }
        }

        return false;
    }

    private async Task EndAsync(AssignmentId id, AssignmentRow assignment, string status, ETag ifMatch, CancellationToken ct)
    {
        await Workloads.CloseAsync(id, ct);
        assignment.Status = status;
        // The status alone, whatever else the copy holds (a merge: on Azurite it changes the row in place).
        await Assignments.UpdateEntityAsync(new TableEntity(assignment.PartitionKey, assignment.RowKey) { [nameof(AssignmentRow.Status)] = assignment.Status },
            ifMatch, TableUpdateMode.Merge, ct);
    }

    /// <summary>
    /// The reviews of one round of an item that its recorded decision counted, in submission order: the decision names them
    /// (<see cref="DecisionPath"/>, kept here when this process recorded it) and each is read by key (<see cref="ReviewAsync"/>). A
    /// round without a recorded decision is read with one query of the item's partition (every review of the round that counts).
    /// (Regeneration used to read every round that way: on Azurite each query filters and sorts the whole Reviews table, and with
    /// 22,000 items in review queries took half of the emulator's time.)
    /// </summary>
    public async Task<List<ReviewRow>> CountedReviewsOfRoundAsync(string batchId, string itemId, int round, CancellationToken ct = default)
    {
        if (await ReadArtifactAsync<RoundDecision>(batchId, DecisionPath(batchId, itemId, round), ct) is { } decision)
        {
            return await ReviewsOfRoundAsync(batchId, itemId, round, decision.Reviewers, ct);
        }

        var pk = ReviewRow.PartitionFor(batchId, itemId);
        var prefix = $"{round:D4}:";
        var rows = new List<ReviewRow>();
        // A filter string, not a LINQ expression: the SDK compiles a lambda for each captured value of an expression.
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey gt {prefix} and RowKey lt {prefix + "~"}");
        await foreach (var row in Reviews.QueryAsync<ReviewRow>(filter, cancellationToken: ct))
        {
            if (row.Counted)
            {
                rows.Add(row);
            }
        }

        return rows.OrderBy(r => r.SubmittedAt).ThenBy(r => r.ReviewerId, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The reviews of <paramref name="reviewerIds"/> in one round of an item, in submission order: point reads (of kept copies where
    /// there are, <see cref="ReviewAsync"/>), where a query of the round would scan the whole Reviews table on the local emulator (its
    /// queries read every row of a table), which grows with every review of every batch.
    /// </summary>
    public async Task<List<ReviewRow>> ReviewsOfRoundAsync(
        string batchId, string itemId, int round, IEnumerable<string> reviewerIds, CancellationToken ct = default)
    {
        var rows = await Task.WhenAll(reviewerIds.Distinct(StringComparer.Ordinal)
            .Select(reviewerId => ReviewAsync(batchId, itemId, round, reviewerId, ct)));
        return rows.OfType<ReviewRow>().OrderBy(r => r.SubmittedAt).ThenBy(r => r.ReviewerId, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// A review's row, kept in memory after it is inserted here (<see cref="KeepReview"/>) or read (as the write-once blobs of
    /// <see cref="ReadArtifactAsync"/>): a Reviews row is written once, by an insert keyed by its assignment, and goes only with its
    /// batch. Consensus reads the rows the review path just inserted, and finalizing the same rows again. Null when there is none
    /// (not kept: the review may still come).
    /// </summary>
    public async Task<ReviewRow?> ReviewAsync(string batchId, string itemId, int round, string reviewerId, CancellationToken ct = default)
    {
        var (pk, rk) = (ReviewRow.PartitionFor(batchId, itemId), ReviewRow.RowFor(round, reviewerId));
        if (_artifacts.TryGetValue(ReviewKey(pk, rk), out var kept) && kept is Kept { Value: ReviewRow copy })
        {
            return copy;
        }

        var readAt = DateTimeOffset.UtcNow;
        var row = await GetRowAsync<ReviewRow>(Reviews, pk, rk, ct);
        if (row is not null)
        {
            Keep(batchId, ReviewKey(pk, rk), row, row.ReviewJson.Length, readAt);
        }

        return row;
    }

    /// <summary>Keeps a Reviews row this process has just inserted (<see cref="ReviewAsync"/>).</summary>
    public void KeepReview(string batchId, ReviewRow row) =>
        Keep(batchId, ReviewKey(row.PartitionKey, row.RowKey), row, row.ReviewJson.Length, DateTimeOffset.UtcNow);

    /// <summary>Where a Reviews row is kept among the blobs' copies: no blob path starts with "~".</summary>
    private static string ReviewKey(string pk, string rk) => $"~reviews/{pk}/{rk}";

    /// <summary>
    /// Keeps a copy of a row of <paramref name="table"/> (with the ETag of its read or write) that this process read or wrote at
    /// <paramref name="at"/>, for <see cref="KeptRow"/>; as the blobs' copies, for <see cref="SettingsLifetime"/> at most and forgotten
    /// with <paramref name="batchId"/>.
    /// </summary>
    public void KeepRow<T>(string batchId, TableClient table, T row, DateTimeOffset at)
        where T : Row
    {
        if (row.ETag == default)
        {
            // Without its ETag a write from the copy would not be conditional.
            ForgetRow(table, row.PartitionKey, row.RowKey);
            return;
        }

        Keep(batchId, RowKey(table, row.PartitionKey, row.RowKey), row.Copy<T>(), KeptRowBytes, at);
    }

    /// <summary>
    /// A copy of a kept row (<see cref="KeepRow"/>) read or written at <paramref name="notBefore"/> or later, or null. It may be out of
    /// date: a caller changes it only with a write conditional on its ETag, and reads the row again before acting on it otherwise.
    /// </summary>
    public T? KeptRow<T>(TableClient table, string pk, string rk, DateTimeOffset notBefore = default)
        where T : Row =>
        _artifacts.TryGetValue(RowKey(table, pk, rk), out var kept) && kept is Kept { Value: T row } copy && copy.ReadAt >= notBefore
            ? row.Copy<T>()
            : null;

    /// <summary>
    /// Keeps an untyped row of <paramref name="table"/> as written with <paramref name="etag"/> (the item counters'), as
    /// <see cref="KeepRow"/> does a typed one; forgets it when either is unknown (a deleted row, an answer without an ETag).
    /// </summary>
    internal void KeepEntity(string batchId, TableClient table, string pk, string rk, TableEntity? row, ETag? etag)
    {
        if (row is null || etag is null)
        {
            ForgetRow(table, pk, rk);
            return;
        }

        Keep(batchId, RowKey(table, pk, rk), new TableEntity(row) { ETag = etag.Value }, KeptRowBytes, DateTimeOffset.UtcNow);
    }

    /// <summary>
    /// One writer at a time per counter shard of a batch in this process (<see cref="ItemCounters.CommitAsync"/>): items of one shard
    /// share its counter rows, and two transactions started from the same copies would have one refused and read everything again.
    /// </summary>
    internal SemaphoreSlim CounterShard(string batchId, int shard) => _counterShards.GetOrAdd((batchId, shard), _ => new SemaphoreSlim(1, 1));

    /// <summary>A copy of an untyped row kept by <see cref="KeepEntity"/> (the caller may change it), or null.</summary>
    internal TableEntity? KeptEntity(TableClient table, string pk, string rk) =>
        _artifacts.TryGetValue(RowKey(table, pk, rk), out var kept) && kept is Kept { Value: TableEntity row }
            ? new TableEntity(row) { ETag = row.ETag }
            : null;

    /// <summary>Forgets the kept copy of a row (<see cref="KeepRow"/>), after a write that did not keep it.</summary>
    public void ForgetRow(TableClient table, string pk, string rk) => _artifacts.Remove(RowKey(table, pk, rk));

    /// <summary>Bytes counted for a kept row: about what one of an item, an assignment or a reviewer takes.</summary>
    private const long KeptRowBytes = 512;

    private static string RowKey(TableClient table, string pk, string rk) => $"~rows/{table.Name}/{pk}/{rk}";

    /// <summary>Every row of one partition, in key order.</summary>
    public static async IAsyncEnumerable<T> PartitionAsync<T>(
        TableClient table, string pk, [EnumeratorCancellation] CancellationToken ct = default)
        where T : class, ITableEntity
    {
        await foreach (var row in table.QueryAsync<T>(TableClient.CreateQueryFilter($"PartitionKey eq {pk}"), cancellationToken: ct))
        {
            yield return row;
        }
    }

    /// <summary>
    /// Updates the Items row of an item. Activities run at least once, and a copy of a step can arrive late (after a
    /// crash, when its work item is delivered again): <paramref name="change"/> returns false for a write that is stale
    /// for the row as it stands, and a row in a final state is changed only by <paramref name="finalizing"/> writes.
    /// True when the change was written.
    /// </summary>
    public Task<bool> UpdateItemAsync(
        string batchId, string itemId, Func<ItemRow, bool> change, DateTimeOffset now, bool finalizing = false, CancellationToken ct = default) =>
        UpdateItemAsync(batchId, itemId, null, change, now, finalizing, alsoUpsert: null, ct);

    /// <summary>
    /// <see cref="UpdateItemAsync(string, string, Func{ItemRow, bool}, DateTimeOffset, bool, CancellationToken)"/> starting from a row the
    /// caller read (not in a final state): if it changed since, the write is refused by its ETag and the row is read again. With
    /// <paramref name="alsoUpsert"/>, a row of the item's partition (not an item or counter row) written in the same transaction,
    /// only when the change is.
    /// </summary>
    public Task<bool> UpdateItemAsync(ItemRow read, Func<ItemRow, bool> change, DateTimeOffset now, ITableEntity? alsoUpsert = null, CancellationToken ct = default) =>
        UpdateItemAsync(read.PartitionKey, read.RowKey, read, change, now, finalizing: false, alsoUpsert, ct);

    private async Task<bool> UpdateItemAsync(
        string batchId, string itemId, ItemRow? read, Func<ItemRow, bool> change, DateTimeOffset now, bool finalizing, ITableEntity? alsoUpsert,
        CancellationToken ct)
    {
        // The row as this process last wrote it, if it did: the write is conditional on its ETag, and the row is read again before
        // a change is refused on what the copy says (it may be out of date).
        var copy = read is null ? KeptRow<ItemRow>(Items, batchId, itemId) : null;
        for (var attempt = 0; ; attempt++)
        {
            var row = (attempt == 0 ? read ?? copy : null) ?? await GetRowAsync<ItemRow>(Items, batchId, itemId, ct)
                ?? throw new InvalidOperationException($"Item {batchId}/{itemId} has no Items row.");
            var from = ItemStates.Parse(row.State);
            var since = row.UpdatedAt;
            if ((!finalizing && from.IsFinal()) || !change(row))
            {
                if (attempt == 0 && row == copy)
                {
                    continue;
                }

                return false;
            }

            row.UpdatedAt = now;
            if (await ItemCounters.CommitAsync(this, row, from, since, alsoUpsert, ct))
            {
                KeepRow(batchId, Items, row, now);
                return true;
            }

            ForgetRow(Items, batchId, itemId);
            if (attempt == 0 && row == copy)
            {
                continue;
            }

            // Someone else (another step of this item, another item of the same counter shard) got there first: read again.
            if (attempt >= 50)
            {
                throw new InvalidOperationException($"Item {batchId}/{itemId}: the row kept changing under 50 attempts to update it.");
            }

            await Task.Delay(Random.Shared.Next(5, 20 + (attempt * 10)), ct);
        }
    }
}
