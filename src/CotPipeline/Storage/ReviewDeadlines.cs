using Azure;
using Azure.Data.Tables;

namespace CotPipeline.Storage;

/// <summary>
/// Review deadlines armed by the items of a batch, kept in the batch's Items partition: one row per item and round
/// (<c>~due-{itemId}~{round}</c>), with the moment the item's current wait ends. The batch's deadline watch reads the due ones and
/// raises <c>DeadlineReached</c> to their items, so a waiting item holds no durable timer: with the Azure Storage backend a timer
/// is a queue message that stays until it fires, even after its round ended, and the emulator's every queue operation costs more
/// with every message it holds.
/// </summary>
public static class ReviewDeadlines
{
    public const string Prefix = ItemCounters.NonItemPrefix + "due-";

    private static readonly string End = ItemCounters.Successor(Prefix);

    public static string RowKey(string itemId, int round) => $"{Prefix}{itemId}~{round:D4}";

    /// <summary>Arms (or moves) the deadline of <paramref name="itemId"/>'s <paramref name="round"/>; idempotent.</summary>
    public static async Task ArmAsync(CotStore store, string batchId, string itemId, int round, DateTime due, CancellationToken ct = default) =>
        await store.Items.UpsertEntityAsync(Row(batchId, itemId, round, due), TableUpdateMode.Replace, ct);

    /// <summary>
    /// The row that arms the deadline: written by <see cref="ArmAsync"/>, or upserted in the transaction of an item change
    /// (<see cref="CotStore.UpdateItemAsync(ItemRow, Func{ItemRow, bool}, DateTimeOffset, ITableEntity?, CancellationToken)"/>).
    /// </summary>
    public static DeadlineRow Row(string batchId, string itemId, int round, DateTime due) => new()
    {
        PartitionKey = batchId,
        RowKey = RowKey(itemId, round),
        ItemId = itemId,
        Round = round,
        Due = DateTime.SpecifyKind(due, DateTimeKind.Utc),
    };

    /// <summary>The batch's deadlines due at <paramref name="now"/> (one range of its Items partition, armed rows only).</summary>
    public static IAsyncEnumerable<DeadlineRow> DueAsync(CotStore store, string batchId, DateTimeOffset now, CancellationToken ct = default) =>
        store.Items.QueryAsync<DeadlineRow>(
            TableClient.CreateQueryFilter($"PartitionKey eq {batchId} and RowKey ge {Prefix} and RowKey lt {End} and Due le {now.UtcDateTime}"),
            cancellationToken: ct);

    /// <summary>Removes a raised deadline unless it was armed again meanwhile (its ETag changed): then it stays for its new time.</summary>
    public static async Task ForgetAsync(CotStore store, DeadlineRow row, CancellationToken ct = default)
    {
        try
        {
            await store.Items.DeleteEntityAsync(row.PartitionKey, row.RowKey, row.ETag, ct);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            // Gone already (a purge, another look of the watch) or moved to a later time by the item.
        }
    }
}

/// <summary>Items partition row <c>~due-{itemId}~{round}</c>: when the item's wait in that round ends.</summary>
public sealed class DeadlineRow : Row
{
    public string ItemId { get; set; } = "";
    public int Round { get; set; }
    public DateTime Due { get; set; }
}
