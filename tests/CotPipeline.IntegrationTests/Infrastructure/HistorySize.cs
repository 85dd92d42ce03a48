using System.Text;
using Azure.Data.Tables;

namespace CotPipeline.IntegrationTests.Infrastructure;

/// <summary>
/// What the Durable Task Azure Storage backend keeps as history per orchestration instance: the bytes of every row of the task hub's
/// History table (property names and values), summed per instance.
/// </summary>
public static class HistorySize
{
    /// <summary>
    /// Bytes per instance whose id starts with <paramref name="instancePrefix"/>, from the table <c>{hubName}History</c>; a batch's own
    /// instances (<c>{batchId}:~…</c>: its cancel, its deadline watch) are not a pair's and are left out.
    /// </summary>
    public static async Task<Dictionary<string, long>> PerInstanceAsync(string connectionString, string hubName, string instancePrefix)
    {
        var history = new TableServiceClient(connectionString).GetTableClient($"{hubName}History");
        var perInstance = new Dictionary<string, long>();
        await foreach (var row in history.QueryAsync<TableEntity>())
        {
            if (!row.PartitionKey.StartsWith(instancePrefix, StringComparison.Ordinal) || row.PartitionKey.Contains(":~", StringComparison.Ordinal))
            {
                continue;
            }

            var size = row.Sum(p => p.Value switch
            {
                string s => Encoding.UTF8.GetByteCount(s),
                byte[] b => b.Length,
                null => 0,
                _ => 8,
            } + p.Key.Length);
            perInstance[row.PartitionKey] = perInstance.GetValueOrDefault(row.PartitionKey) + size;
        }

        return perInstance;
    }
}
