using Azure;
using Azure.Data.Tables;
using CotPipeline.Domain;

namespace CotPipeline.Storage;

/// <summary>
/// Items of a batch counted by state, kept exact as items move so a 31,247-pair batch's status never scans its rows.
/// The counts live in <see cref="Shards"/> rows of the batch's own Items partition (RowKey <c>~counts-NN</c>, after every
/// item id), so an item's state change and its shard's count change commit in one entity-group transaction.
/// </summary>
public static class ItemCounters
{
    public const int Shards = 16;

    /// <summary>Every counter row sorts after every item id (ids use letters, digits, '_' and '-').</summary>
    public const string RowPrefix = "~counts-";

    public static string RowKey(int shard) => $"{RowPrefix}{shard:D2}";

    /// <summary>The shard of an item: stable, spread evenly so concurrent items rarely contend for one row.</summary>
    public static int ShardOf(string itemId) => (int)(StableHash.Of(itemId) % Shards);

    /// <summary>True for an Items row that is an item, not a counter.</summary>
    public static bool IsItem(string rowKey) => !rowKey.StartsWith(RowPrefix, StringComparison.Ordinal);

    /// <summary>The counter rows of a new batch: every item pending.</summary>
    public static IEnumerable<TableEntity> Initial(string batchId, IEnumerable<string> itemIds) =>
        itemIds.GroupBy(ShardOf).Select(g => new TableEntity(batchId, RowKey(g.Key)) { [Column(ItemState.Pending.Name())] = g.Count() });

    /// <summary>Table property names must be identifiers: the state's enum name ("InReview"), not its wire name ("in-review").</summary>
    private static string Column(string state) => ItemStates.Parse(state).ToString();

    /// <summary>The counts of a batch, summed over its shards (one range query of at most <see cref="Shards"/> rows).</summary>
    public static async Task<Dictionary<string, int>> ReadAsync(TableClient items, string batchId, CancellationToken ct)
    {
        var counts = Enum.GetValues<ItemState>().ToDictionary(s => s.Name(), _ => 0);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {batchId} and RowKey ge {RowPrefix}");
        await foreach (var shard in items.QueryAsync<TableEntity>(filter, cancellationToken: ct))
        {
            foreach (var state in counts.Keys.ToList())
            {
                counts[state] += shard.GetInt32(Column(state)) ?? 0;
            }
        }

        return counts;
    }

    /// <summary>Moves one item from <paramref name="from"/> to <paramref name="to"/> in its shard, in the same transaction as the item row.</summary>
    internal static async Task<bool> CommitAsync(TableClient items, ItemRow row, string from, CancellationToken ct)
    {
        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateReplace, row, row.ETag) };
        if (from != row.State)
        {
            var key = RowKey(ShardOf(row.RowKey));
            var shard = (await items.GetEntityIfExistsAsync<TableEntity>(row.PartitionKey, key, cancellationToken: ct)) is { HasValue: true } found
                ? found.Value!
                : new TableEntity(row.PartitionKey, key);
            shard[Column(from)] = (shard.GetInt32(Column(from)) ?? 0) - 1;
            shard[Column(row.State)] = (shard.GetInt32(Column(row.State)) ?? 0) + 1;
            actions.Add(shard.ETag == default
                ? new TableTransactionAction(TableTransactionActionType.Add, shard)
                : new TableTransactionAction(TableTransactionActionType.UpdateReplace, shard, shard.ETag));
        }

        try
        {
            await items.SubmitTransactionAsync(actions, ct);
            return true;
        }
        catch (TableTransactionFailedException e) when (e.Status is 409 or 412)
        {
            return false;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return false;
        }
    }
}
