using System.Globalization;
using Azure;
using Azure.Data.Tables;
using CotPipeline.Domain;

namespace CotPipeline.Storage;

/// <summary>
/// Counters of a batch's items, kept exact as items move, so a 31,247-pair batch's status never scans its rows. They live in
/// rows of the batch's own Items partition whose keys start with <see cref="NonItemPrefix"/> (after every item id), so an
/// item's change and its counters' changes commit in one entity-group transaction. Three kinds, each sharded by item
/// (<see cref="Shards"/>) so concurrent items rarely contend for one row:
/// <list type="bullet">
/// <item><c>~counts-NN</c>: items by state.</item>
/// <item><c>~done-{yyyyMMddHHmm}-NN</c>: items that reached a final state in that minute (throughput, read by key range).</item>
/// <item><c>~idle-{yyyyMMddHHmm}-NN</c>: items waiting on the pipeline (<see cref="ItemStates.WaitsOnPipeline"/>) whose row
/// last changed in that minute. A row that falls to zero is deleted, so the rows older than a cutoff are few: they are the
/// stuck items, counted by one key-range query. (A query on <c>UpdatedAt</c> would read every row of the partition: Table
/// storage indexes only the keys. Keeping these rows costs one or two more reads in the transactions that move an item
/// into or out of those states.)</item>
/// </list>
/// </summary>
public static class ItemCounters
{
    public const int Shards = 16;

    /// <summary>Every row of an Items partition that is not an item starts with '~' (ids use letters, digits, '_' and '-').</summary>
    public const string NonItemPrefix = "~";

    public const string RowPrefix = "~counts-";
    public const string DonePrefix = "~done-";
    public const string IdlePrefix = "~idle-";

    private const string CountColumn = "Count";
    private const string MinuteFormat = "yyyyMMddHHmm";

    public static string RowKey(int shard) => $"{RowPrefix}{shard:D2}";

    public static string DoneRowKey(DateTimeOffset at, int shard) => $"{DonePrefix}{Minute(at)}-{shard:D2}";

    public static string IdleRowKey(DateTimeOffset at, int shard) => $"{IdlePrefix}{Minute(at)}-{shard:D2}";

    private static string Minute(DateTimeOffset at) => at.UtcDateTime.ToString(MinuteFormat, CultureInfo.InvariantCulture);

    /// <summary>The shard of an item: stable, spread evenly so concurrent items rarely contend for one row.</summary>
    public static int ShardOf(string itemId) => (int)(StableHash.Of(itemId) % Shards);

    /// <summary>True for an Items row that is an item, not a counter.</summary>
    public static bool IsItem(string rowKey) => !rowKey.StartsWith(NonItemPrefix, StringComparison.Ordinal);

    /// <summary>The counter rows of a new batch whose items were all stored pending at <paramref name="at"/>.</summary>
    public static IEnumerable<TableEntity> Initial(string batchId, IEnumerable<string> itemIds, DateTimeOffset at) =>
        itemIds.GroupBy(ShardOf).SelectMany(g => new[]
        {
            new TableEntity(batchId, RowKey(g.Key)) { [Column(ItemState.Pending)] = g.Count() },
            new TableEntity(batchId, IdleRowKey(at, g.Key)) { [CountColumn] = g.Count() },
        });

    /// <summary>Table property names must be identifiers: the state's enum name ("InReview"), not its wire name ("in-review").</summary>
    private static string Column(ItemState state) => state.ToString();

    /// <summary>One counter cell moved by one item's change.</summary>
    public readonly record struct Change(string RowKey, string Column, int Delta);

    /// <summary>
    /// What one item's change from (<paramref name="from"/>, last changed <paramref name="since"/>) to (<paramref name="to"/>, at
    /// <paramref name="at"/>) does to the counters.
    /// </summary>
    public static IReadOnlyList<Change> Changes(string itemId, ItemState from, DateTimeOffset since, ItemState to, DateTimeOffset at)
    {
        var shard = ShardOf(itemId);
        var changes = new List<Change>();
        if (from != to)
        {
            changes.Add(new(RowKey(shard), Column(from), -1));
            changes.Add(new(RowKey(shard), Column(to), 1));
        }

        if (!from.IsFinal() && to.IsFinal())
        {
            changes.Add(new(DoneRowKey(at, shard), CountColumn, 1));
        }

        var idleFrom = from.WaitsOnPipeline() ? IdleRowKey(since, shard) : null;
        var idleTo = to.WaitsOnPipeline() ? IdleRowKey(at, shard) : null;
        if (idleFrom != idleTo)
        {
            if (idleFrom is not null)
            {
                changes.Add(new(idleFrom, CountColumn, -1));
            }

            if (idleTo is not null)
            {
                changes.Add(new(idleTo, CountColumn, 1));
            }
        }

        return changes;
    }

    /// <summary>The counts of a batch by state, summed over its shards (one range query of at most <see cref="Shards"/> rows).</summary>
    public static async Task<Dictionary<string, int>> ReadAsync(TableClient items, string batchId, CancellationToken ct)
    {
        var states = Enum.GetValues<ItemState>();
        var counts = states.ToDictionary(s => s.Name(), _ => 0);
        await foreach (var shard in RangeAsync(items, batchId, RowPrefix, Successor(RowPrefix), ct))
        {
            foreach (var state in states)
            {
                counts[state.Name()] += shard.GetInt32(Column(state)) ?? 0;
            }
        }

        return counts;
    }

    /// <summary>Items that reached a final state in the minutes from <paramref name="firstMinute"/> to <paramref name="lastMinute"/>, both included.</summary>
    public static async Task<int> FinishedAsync(TableClient items, string batchId, DateTimeOffset firstMinute, DateTimeOffset lastMinute, CancellationToken ct)
    {
        var sum = 0;
        await foreach (var row in RangeAsync(items, batchId, DonePrefix + Minute(firstMinute), DonePrefix + Minute(lastMinute.AddMinutes(1)), ct))
        {
            sum += row.GetInt32(CountColumn) ?? 0;
        }

        return sum;
    }

    /// <summary>
    /// Items waiting on the pipeline whose row has not changed since before the minute of <paramref name="cutoff"/> (so an item
    /// idle for less than a minute beyond the cutoff is not yet counted).
    /// </summary>
    public static async Task<int> IdleBeforeAsync(TableClient items, string batchId, DateTimeOffset cutoff, CancellationToken ct)
    {
        var sum = 0;
        await foreach (var row in RangeAsync(items, batchId, IdlePrefix, IdlePrefix + Minute(cutoff), ct))
        {
            sum += Math.Max(0, row.GetInt32(CountColumn) ?? 0);
        }

        return sum;
    }

    /// <summary>The first key after every key that starts with <paramref name="prefix"/>: the end of its range.</summary>
    internal static string Successor(string prefix) => prefix[..^1] + (char)(prefix[^1] + 1);

    private static IAsyncEnumerable<TableEntity> RangeAsync(TableClient items, string batchId, string from, string before, CancellationToken ct) =>
        items.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {batchId} and RowKey ge {from} and RowKey lt {before}"),
            cancellationToken: ct);

    /// <summary>
    /// Writes <paramref name="row"/> (changed from <paramref name="from"/>, last changed <paramref name="since"/>) and its counters (and
    /// <paramref name="alsoUpsert"/>, another row of its partition, if given) in one transaction, starting from the counter rows as
    /// this process last read or wrote them where <paramref name="store"/> keeps them (<see cref="CotStore.KeptEntity"/>); false when
    /// another writer changed one of the rows first (read again and retry). On success <paramref name="row"/> carries its new ETag.
    /// Every counter write is conditional on the ETag it started from, so a copy out of date (another process, a purge) only makes
    /// the transaction fail, and its rows are then forgotten and read again. Only
    /// rows that exist are kept: a missing idle row is skipped without a write, so that it is missing is always read. Writers of one
    /// shard in this process take turns (<see cref="CotStore.CounterShard"/>), so they start from each other's copies.
    /// </summary>
    internal static async Task<bool> CommitAsync(
        CotStore store, ItemRow row, ItemState from, DateTimeOffset since, ITableEntity? alsoUpsert, CancellationToken ct)
    {
        var shard = store.CounterShard(row.PartitionKey, ShardOf(row.RowKey));
        await shard.WaitAsync(ct);
        try
        {
            return await CommitInShardAsync(store, row, from, since, alsoUpsert, ct);
        }
        finally
        {
            shard.Release();
        }
    }

    private static async Task<bool> CommitInShardAsync(
        CotStore store, ItemRow row, ItemState from, DateTimeOffset since, ITableEntity? alsoUpsert, CancellationToken ct)
    {
        var items = store.Items;
        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateReplace, row, row.ETag) };
        var changes = Changes(row.RowKey, from, since, ItemStates.Parse(row.State), row.UpdatedAt);
        var counters = await Task.WhenAll(changes.GroupBy(c => c.RowKey).Select(async g =>
        {
            var found = store.KeptEntity(items, row.PartitionKey, g.Key);
            if (found is null)
            {
                var read = await items.GetEntityIfExistsAsync<TableEntity>(row.PartitionKey, g.Key, cancellationToken: ct);
                found = read.HasValue ? read.Value : null;
            }

            return (Changes: g.ToList(), Row: found);
        }));

        // What each counter action after the item's leaves in its row (null: deleted).
        var written = new List<(string Key, TableEntity? Row)>();
        foreach (var (cells, existing) in counters)
        {
            var key = cells[0].RowKey;
            if (existing is null && key.StartsWith(IdlePrefix, StringComparison.Ordinal) && cells.Sum(c => c.Delta) < 0)
            {
                // A batch stored before idle counters existed has no row to take this item out of: nothing to count down.
                continue;
            }

            var counter = existing ?? new TableEntity(row.PartitionKey, key);
            foreach (var cell in cells)
            {
                counter[cell.Column] = (counter.GetInt32(cell.Column) ?? 0) + cell.Delta;
            }

            if (existing is null)
            {
                actions.Add(new TableTransactionAction(TableTransactionActionType.Add, counter));
                written.Add((key, counter));
            }
            else if (key.StartsWith(IdlePrefix, StringComparison.Ordinal) && counter.GetInt32(CountColumn) <= 0)
            {
                // Empty idle rows are removed so the rows before a cutoff stay few.
                actions.Add(new TableTransactionAction(TableTransactionActionType.Delete, counter, counter.ETag));
                written.Add((key, null));
            }
            else
            {
                // A merge: the copy holds every cell of the row and cells are never removed, so it writes what a replace would; on
                // Azurite a merge changes the row in place where a replace removes and re-inserts it, each a pass over the table's
                // indexes (all of a batch's items are one partition, so one index).
                actions.Add(new TableTransactionAction(TableTransactionActionType.UpdateMerge, counter, counter.ETag));
                written.Add((key, counter));
            }
        }

        if (alsoUpsert is not null)
        {
            // Last, so the counters' answers keep their places after the item's.
            actions.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, alsoUpsert));
        }

        try
        {
            var responses = (await items.SubmitTransactionAsync(actions, ct)).Value;
            row.ETag = responses[0].Headers.ETag ?? default;
            for (var i = 0; i < written.Count; i++)
            {
                store.KeepEntity(row.PartitionKey, items, row.PartitionKey, written[i].Key, written[i].Row, responses[i + 1].Headers.ETag);
            }

            return true;
        }
        catch (Exception e)
        {
            // Whatever failed, the copies may be out of date now (a transaction can commit and its answer be lost).
            foreach (var (cells, _) in counters)
            {
                store.ForgetRow(items, row.PartitionKey, cells[0].RowKey);
            }

            if (e is not RequestFailedException { Status: 404 or 409 or 412 })
            {
                throw;
            }

            return false;
        }
    }
}
