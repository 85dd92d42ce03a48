using System.Collections.Concurrent;
using Azure.Data.Tables;
using CotPipeline.Constants;
using CotPipeline.Models;
using CotPipeline.Storage;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace CotPipeline.Http;

/// <summary>
/// What follows a stored (counted) review, after the reviewer has been answered: its event to the item, and its assignment marked
/// submitted. Raising the event took most of a submission's time (p95 100–150 ms of a POST on the local host), and the
/// reviewer has nothing to wait for once the review is stored. So the review path stores the review together with a relay row
/// (<see cref="CotStore.ReviewRelay"/>: "this review's follow-up may be owed"), answers, and finishes here in the background; the row
/// goes when all is done. A host that dies in between leaves the row, and <see cref="SweepAsync"/> (at start and every minute,
/// on any instance) finishes what it names. Every step may run twice: the item ignores a repeated event, and only an assignment
/// still open is marked. The review itself is stored once, whole, in its Reviews row (<see cref="Storage.ReviewRow.ReviewJson"/>).
/// </summary>
public sealed partial class ReviewRelay(CotStore store, ILogger<ReviewRelay> logger, int attempts = ReviewRelay.DefaultAttempts) : IAsyncDisposable
{
    /// <summary>
    /// A relay row younger than this may still be in the hands of the process that wrote it (its tries take about 2.5 minutes):
    /// the sweep leaves it.
    /// </summary>
    public static readonly TimeSpan Grace = TimeSpan.FromMinutes(5);

    /// <summary>Tries of one follow-up in the background before it is left to the sweep.</summary>
    public const int DefaultAttempts = 10;

    /// <summary>How often the hosts sweep (the local host's service, the Functions app's timer).</summary>
    public static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);

    /// <summary>The one partition of the relay table: it holds only reviews whose follow-up is under way, a handful at a time.</summary>
    public const string RelayPartition = "relay";

    private readonly CancellationTokenSource _stopping = new();
    /// <summary>The follow-ups under way in this process, by assignment id: each one's task ends when it has finished or given up.</summary>
    private readonly ConcurrentDictionary<string, Task> _owed = new(StringComparer.Ordinal);
    /// <summary>Relay rows written and removed, many in one transaction when reviews come in together.</summary>
    private readonly PartitionWrites _writes = new(store.ReviewRelay);

    /// <summary>Follow-ups handed over and not yet finished in this process.</summary>
    public int Running => _owed.Count;

    /// <summary>
    /// Writes the relay row of <paramref name="id"/> (an upsert: a replay may write it again). False when it could not be written:
    /// the caller then finishes the review before answering, as if there were no relay.
    /// </summary>
    public async Task<bool> OweAsync(AssignmentId id, CancellationToken ct)
    {
        try
        {
            await _writes.UpsertAsync(new TableEntity(RelayPartition, id.ToString()), ct);
            return true;
        }
        catch (Exception)
        {
            // Whatever the reason (the storage away, the request cancelled), the caller finishes the review itself.
            return false;
        }
    }

    /// <summary>
    /// Finishes the stored review <paramref name="review"/> in the background, then removes its relay row. A failed try (the engine
    /// or the storage away) is tried again after 1, 2, 4 … 30 s, up to
    /// <see cref="DefaultAttempts"/> tries in all (about 2.5 minutes); after that the row is left to the sweep.
    /// </summary>
    public void Hand(AssignmentId id, ReviewRow review, AssignmentRow assignment, DurableTaskClient client)
    {
        // Listed before it starts, so a follow-up that ends at once is never left listed.
        var key = id.ToString();
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _owed[key] = ended.Task;
        _ = Task.Run(async () =>
        {
            try
            {
                await FollowUpAsync(id, review, assignment, client);
            }
            finally
            {
                _owed.TryRemove(key, out _);
                ended.SetResult();
            }
        });
    }

    private async Task FollowUpAsync(AssignmentId id, ReviewRow review, AssignmentRow assignment, DurableTaskClient client)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await FinishAsync(id, review, assignment, client, _stopping.Token);
                await ForgetAsync(id.ToString(), _stopping.Token);
                return;
            }
            catch (Exception e) when (!_stopping.IsCancellationRequested && attempt < attempts)
            {
                var delay = RetryDelay(attempt);
                Log.Retrying(logger, id.ToString(), attempt, e.GetType().Name, (long)delay.TotalMilliseconds);
                await Task.Delay(delay, _stopping.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            catch (Exception e)
            {
                Log.Deferred(logger, id.ToString(), attempt, e.GetType().Name);
                return;
            }
        }
    }

    /// <summary>The wait after the <paramref name="attempt"/>-th failed try: 1, 2, 4, 8, 16, then 30 s.</summary>
    public static TimeSpan RetryDelay(int attempt) => TimeSpan.FromSeconds(Math.Min(30, 1 << Math.Min(attempt - 1, 5)));

    /// <summary>
    /// The follow-up of one stored review, in the order that keeps a crash harmless: the event first, the assignment marked submitted
    /// last (marked first, a review whose event was lost would look done to everyone). A late review (not counted) is kept as it was
    /// stored, nothing follows; an assignment no longer open (now, not only as <paramref name="assignment"/> was read) is left as it is.
    /// </summary>
    public async Task FinishAsync(AssignmentId id, ReviewRow review, AssignmentRow? assignment, DurableTaskClient client, CancellationToken ct)
    {
        if (!review.Counted)
        {
            return;
        }

        await RaiseAsync(client, id, ct);
        // Marked only while it is still open: a round closed or a reassignment since the assignment was read keeps its status.
        await store.EndIfOpenAsync(id, assignment, AssignmentStatus.Submitted, ct);
    }

    /// <summary>Raises the item's event for the review of <paramref name="id"/>.</summary>
    public static Task RaiseAsync(DurableTaskClient client, AssignmentId id, CancellationToken ct) =>
        client.RaiseEventAsync(Ids.ItemInstance(id.BatchId, id.ItemId), EventNames.ReviewSubmitted,
            new ReviewSubmitted(id.ToString(), id.ReviewerId, id.Round), ct);

    /// <summary>
    /// Whether the review of <paramref name="id"/> was stored by this process and its follow-up is still under way here: its
    /// assignment is not marked submitted yet, but the page must not offer the form again.
    /// </summary>
    public bool Owes(AssignmentId id) => _owed.ContainsKey(id.ToString());

    /// <summary>Removes the relay row of <paramref name="id"/> (gone already is fine).</summary>
    public Task ForgetAsync(AssignmentId id, CancellationToken ct) => ForgetAsync(id.ToString(), ct);

    private Task ForgetAsync(string key, CancellationToken ct) => _writes.DeleteAsync(RelayPartition, key, ct);

    /// <summary>
    /// Finishes every review whose relay row was written before <paramref name="before"/> (its host died, or a step failed; a
    /// younger row may still be in its writer's hands, see <see cref="Grace"/>): reads the stored review and its assignment again
    /// and does what is owed. A relay row without a review (the insert failed after the row was written) just goes. Returns how
    /// many reviews it finished.
    /// </summary>
    public async Task<int> SweepAsync(DurableTaskClient client, DateTimeOffset before, CancellationToken ct)
    {
        await store.EnsureCreatedAsync();
        var finished = 0;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {RelayPartition} and Timestamp lt {before}");
        var owed = new List<string>();
        await foreach (var row in store.ReviewRelay.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: ct))
        {
            owed.Add(row.RowKey);
        }

        foreach (var key in owed)
        {
            if (AssignmentId.TryParse(key, out var id)
                && await store.GetRowAsync<ReviewRow>(store.Reviews, ReviewRow.PartitionFor(id.BatchId, id.ItemId), ReviewRow.RowFor(id.Round, id.ReviewerId), ct)
                    is { } review)
            {
                var assignment = await store.GetRowAsync<AssignmentRow>(store.Assignments, id.ReviewerId, id.ToString(), ct);
                await FinishAsync(id, review, assignment, client, ct);
                finished++;
                Log.Swept(logger, key);
            }

            await ForgetAsync(key, ct);
        }

        return finished;
    }

    /// <summary>Completes when the follow-ups handed over so far have finished (or failed, leaving their rows to the sweep).</summary>
    public Task IdleAsync() => Task.WhenAll(_owed.Values);

    /// <summary>Waits (at most <paramref name="timeout"/>) for the follow-ups still running, then cancels the rest: the sweep has them.</summary>
    public async Task DrainAsync(TimeSpan timeout)
    {
        await Task.WhenAny(IdleAsync(), Task.Delay(timeout));
        await _stopping.CancelAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await DrainAsync(TimeSpan.FromSeconds(5));
        _stopping.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5000, Level = LogLevel.Warning,
            Message = "The follow-up of review {AssignmentId} (event, assignment) failed on try {Attempt} ({Reason}); trying again in {DelayMs} ms")]
        public static partial void Retrying(ILogger logger, string assignmentId, int attempt, string reason, long delayMs);

        [LoggerMessage(EventId = 5001, Level = LogLevel.Information,
            Message = "Relay sweep finished review {AssignmentId}, whose follow-up its host had left owed")]
        public static partial void Swept(ILogger logger, string assignmentId);

        [LoggerMessage(EventId = 5002, Level = LogLevel.Warning,
            Message = "The follow-up of review {AssignmentId} failed on try {Attempt} ({Reason}); the relay sweep finishes it")]
        public static partial void Deferred(ILogger logger, string assignmentId, int attempt, string reason);
    }
}
