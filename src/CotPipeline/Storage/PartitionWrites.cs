using System.Threading.Channels;
using Azure;
using Azure.Data.Tables;

namespace CotPipeline.Storage;

/// <summary>
/// Inserts, upserts and deletes of small rows of one table, from many callers at once, committed together: each write waits in line
/// and goes in the next entity-group transaction (one partition, at most <see cref="MaxPerTransaction"/> writes, each row once),
/// submitted as soon as the one before it has ended. A write that finds the line empty goes at once, as a request of its own; under
/// load, the writes queued behind one request go in the next. So a quiet caller waits for nothing, and a busy table gets a request
/// per transaction instead of one per write: on Azurite every request costs its one thread about half a millisecond whatever it
/// carries, and Azure bills per request. Each caller gets its own write's outcome: a transaction refused because of one write (a row
/// that exists, or is gone) is submitted again without it.
/// </summary>
public sealed class PartitionWrites(TableClient table)
{
    /// <summary>The most writes Table storage takes in one transaction.</summary>
    public const int MaxPerTransaction = 100;

    private sealed record Write(TableTransactionAction Action, TaskCompletionSource<bool> Done);

    private readonly Channel<Write> _queue = Channel.CreateUnbounded<Write>(new UnboundedChannelOptions { SingleReader = true });
    // Writes taken from the line that could not go in the transaction being made (another partition, or a row already in it): they go
    // first in the next, in their order. Only the pump touches it.
    private readonly List<Write> _held = [];
    private int _pumping;

    /// <summary>Inserts <paramref name="row"/>; false when a row with its keys exists already.</summary>
    public Task<bool> AddAsync(ITableEntity row, CancellationToken ct = default) =>
        EnqueueAsync(new TableTransactionAction(TableTransactionActionType.Add, row), ct);

    /// <summary>Inserts or replaces <paramref name="row"/>.</summary>
    public Task UpsertAsync(ITableEntity row, CancellationToken ct = default) =>
        EnqueueAsync(new TableTransactionAction(TableTransactionActionType.UpsertReplace, row), ct);

    /// <summary>Deletes a row whatever its version; false when there was none.</summary>
    public Task<bool> DeleteAsync(string partitionKey, string rowKey, CancellationToken ct = default) =>
        EnqueueAsync(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(partitionKey, rowKey), ETag.All), ct);

    /// <summary>
    /// Queues a write. A caller that stops waiting (<paramref name="ct"/>) does not take it back: like a request whose answer was
    /// lost, it may still be made.
    /// </summary>
    private Task<bool> EnqueueAsync(TableTransactionAction action, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Writer.TryWrite(new Write(action, done));
        if (Interlocked.Exchange(ref _pumping, 1) == 0)
        {
            _ = Task.Run(PumpAsync, CancellationToken.None);
        }

        return done.Task.WaitAsync(ct);
    }

    private async Task PumpAsync()
    {
        while (true)
        {
            while (Next() is { Count: > 0 } group)
            {
                await CommitAsync(group);
            }

            Volatile.Write(ref _pumping, 0);
            // A write queued after the last look, by a writer that saw this pump still running, would wait for nobody: look again.
            if (!_queue.Reader.TryPeek(out _) || Interlocked.Exchange(ref _pumping, 1) != 0)
            {
                return;
            }
        }
    }

    /// <summary>The next transaction's writes: the held ones first, then the line's, in order, while they fit.</summary>
    private List<Write> Next()
    {
        var group = new List<Write>();
        var rows = new HashSet<string>(StringComparer.Ordinal);
        string? partition = null;
        var held = _held.ToArray();
        _held.Clear();
        foreach (var write in held)
        {
            Take(write);
        }

        while (group.Count < MaxPerTransaction && _queue.Reader.TryRead(out var write))
        {
            Take(write);
        }

        return group;

        void Take(Write write)
        {
            var entity = write.Action.Entity;
            partition ??= entity.PartitionKey;
            // A later write of a row already in the transaction waits for the next one, and so does every write after it of that row.
            if (group.Count < MaxPerTransaction && entity.PartitionKey == partition && rows.Add(entity.RowKey))
            {
                group.Add(write);
            }
            else
            {
                _held.Add(write);
            }
        }
    }

    private async Task CommitAsync(List<Write> group)
    {
        while (group.Count > 1)
        {
            try
            {
                await table.SubmitTransactionAsync(group.Select(w => w.Action));
                group.ForEach(w => w.Done.TrySetResult(true));
                return;
            }
            catch (TableTransactionFailedException e) when (e.FailedTransactionActionIndex is int failed && failed < group.Count && IsAbout(e))
            {
                // Nothing of the transaction was written, and the answer names the write it is about: that write gets it (a "no",
                // or the error, as if it had gone alone), the others go again without it.
                var write = group[failed];
                if (Refused(write.Action.ActionType, e.Status) && e.ErrorCode != "TableNotFound")
                {
                    write.Done.TrySetResult(false);
                }
                else
                {
                    write.Done.TrySetException(e);
                }

                group.RemoveAt(failed);
            }
            catch (RequestFailedException e) when (e.Status is 404 or 409)
            {
                // Refused without saying which write: each on its own, to give each its answer.
                foreach (var write in group)
                {
                    await CommitOneAsync(write);
                }

                return;
            }
            catch (Exception e)
            {
                group.ForEach(w => w.Done.TrySetException(e));
                return;
            }
        }

        if (group.Count == 1)
        {
            await CommitOneAsync(group[0]);
        }
    }

    private async Task CommitOneAsync(Write write)
    {
        var (kind, entity) = (write.Action.ActionType, write.Action.Entity);
        try
        {
            var response = kind switch
            {
                TableTransactionActionType.Add => await table.AddEntityAsync(entity),
                TableTransactionActionType.Delete => await table.DeleteEntityAsync(entity.PartitionKey, entity.RowKey, ETag.All),
                _ => await table.UpsertEntityAsync(entity, TableUpdateMode.Replace),
            };
            write.Done.TrySetResult(!Refused(kind, response.Status));
        }
        catch (RequestFailedException e) when (Refused(kind, e.Status))
        {
            write.Done.TrySetResult(false);
        }
        catch (Exception e)
        {
            write.Done.TrySetException(e);
        }
    }

    /// <summary>An answer about the write it names (its row, its size), not about the table or the service: 4xx but a timeout or throttling.</summary>
    private static bool IsAbout(RequestFailedException e) => e.Status is >= 400 and < 500 and not (408 or 429);

    /// <summary>The answers that say "no" to one write rather than fail it: the row exists (an insert), or is gone (a delete).</summary>
    private static bool Refused(TableTransactionActionType kind, int status) =>
        (kind, status) is (TableTransactionActionType.Add, 409) or (TableTransactionActionType.Delete, 404);
}
