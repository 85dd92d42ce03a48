using Azure.Data.Tables;
using CotPipeline.Options;
using Microsoft.Extensions.Options;

namespace CotLocal;

/// <summary>
/// Where the engine's task hub lives: <see cref="LocalOptions.EngineConnectionString"/> (an Azurite of its own), or the pipeline's
/// <c>Storage:ConnectionString</c> when that is not set. Decided once at start, before the engine is built: a task hub that an
/// earlier version made in the pipeline's storage stays there (<see cref="KeepsEarlierHubAsync"/>), so its running items go on.
/// </summary>
public sealed partial class EngineStorage(IOptions<StorageOptions> storage, IOptions<LocalOptions> local, ILogger<EngineStorage> logger)
{
    private string? _kept;

    /// <summary>The pipeline's storage: <c>Storage:ConnectionString</c>, required by the local host.</summary>
    public string Data => storage.Value.ConnectionString ?? throw new InvalidOperationException("Storage:ConnectionString is required by the local host.");

    /// <summary>The task hub's storage.</summary>
    public string Engine => _kept ?? (string.IsNullOrWhiteSpace(local.Value.EngineConnectionString) ? Data : local.Value.EngineConnectionString);

    /// <summary>Whether the engine has storage of its own.</summary>
    public bool Separate => !string.Equals(Engine, Data, StringComparison.Ordinal);

    /// <summary>
    /// Keeps the engine in the pipeline's storage when the task hub is there already (an earlier version put both in one Azurite)
    /// and not in the engine's own: moving would leave the hub's running orchestrations behind. Call before the engine is built.
    /// </summary>
    public async Task<bool> KeepsEarlierHubAsync(CancellationToken ct)
    {
        if (!Separate)
        {
            return false;
        }

        var instances = $"{local.Value.HubName}Instances";
        if (!await HasTableAsync(Data, instances, ct) || await HasTableAsync(Engine, instances, ct))
        {
            return false;
        }

        _kept = Data;
        LogKeptEarlierHub(logger, local.Value.HubName);
        return true;
    }

    private static async Task<bool> HasTableAsync(string connectionString, string table, CancellationToken ct)
    {
        await foreach (var _ in new TableServiceClient(connectionString).QueryAsync(t => t.Name == table, maxPerPage: 1, cancellationToken: ct))
        {
            return true;
        }

        return false;
    }

    [LoggerMessage(1, LogLevel.Warning,
        "The task hub {Hub} is in the storage of Storage:ConnectionString, where an earlier version of CotLocal made it, so the engine " +
        "stays there and its running items go on. To give the engine the Azurite of Local:EngineConnectionString (faster on big batches: " +
        "README, Performance), let the batches finish, then delete the hub's tables and queues or start with an empty Azurite.")]
    private static partial void LogKeptEarlierHub(ILogger logger, string hub);
}
