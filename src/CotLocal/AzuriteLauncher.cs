using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace CotLocal;

/// <summary>
/// Makes sure storage is reachable: when nothing listens on the blob port of the connection string and
/// <see cref="LocalOptions.StartAzurite"/> is on, installs the pinned Azurite with npm (first use only) and starts it.
/// </summary>
public sealed partial class AzuriteLauncher(IOptions<LocalOptions> options, ILogger<AzuriteLauncher> logger) : IDisposable
{
    private readonly List<Process> _started = [];

    public static string Home(LocalOptions o) =>
        Path.IsPathRooted(o.ToolsDirectory) ? o.ToolsDirectory : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), o.ToolsDirectory);

    /// <summary>
    /// Starts an Azurite on <paramref name="endpoints"/> (from the setting <paramref name="setting"/>) unless one listens there,
    /// keeping its data in <paramref name="dataFolder"/> under the tools directory.
    /// </summary>
    public async Task EnsureRunningAsync(StorageEndpoints endpoints, string setting, string dataFolder, CancellationToken ct)
    {
        if (await LocalProcesses.IsListeningAsync(endpoints.Host, endpoints.BlobPort, ct))
        {
            LogAlreadyRunning(logger, endpoints.Host, endpoints.BlobPort);
            return;
        }

        var o = options.Value;
        if (!o.StartAzurite || !endpoints.IsLoopback)
        {
            throw new InvalidOperationException(
                $"Nothing listens on {endpoints.Host}:{endpoints.BlobPort} ({setting}) and Local:StartAzurite is off: start Azurite or fix the connection string.");
        }

        var home = Home(o);
        var installDir = Path.Combine(home, $"azurite-{o.AzuriteVersion}");
        var script = Path.Combine(installDir, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
        {
            LogInstalling(logger, o.AzuriteVersion, installDir);
            Directory.CreateDirectory(installDir);
            await LocalProcesses.RunAsync("npm", ["install", "--prefix", installDir, "--no-audit", "--no-fund", "--loglevel=error", $"azurite@{o.AzuriteVersion}"], ct);
        }

        var dataDir = Path.Combine(home, dataFolder);
        Directory.CreateDirectory(dataDir);
        var azurite = await LocalProcesses.StartServerAsync("node",
            [
                script, "--silent", "--skipApiVersionCheck", "--loose", "--disableTelemetry", "--location", dataDir,
                "--blobHost", "127.0.0.1", "--blobPort", endpoints.BlobPort.ToString(),
                "--queueHost", "127.0.0.1", "--queuePort", endpoints.QueuePort.ToString(),
                "--tableHost", "127.0.0.1", "--tablePort", endpoints.TablePort.ToString(),
            ],
            [endpoints.BlobPort, endpoints.QueuePort, endpoints.TablePort], TimeSpan.FromSeconds(120),
            line => LogAzuriteError(logger, line),
            exit => $"Azurite did not start on 127.0.0.1:{endpoints.BlobPort}–{endpoints.TablePort} ({exit}).", ct);

        lock (_started)
        {
            _started.Add(azurite);
        }

        LogStarted(logger, endpoints.BlobPort, dataDir);
    }

    public void Dispose()
    {
        foreach (var azurite in _started)
        {
            if (!azurite.HasExited)
            {
                azurite.Kill(entireProcessTree: true);
            }

            azurite.Dispose();
        }
    }

    [LoggerMessage(1, LogLevel.Information, "Storage is already listening on {Host}:{Port}")]
    private static partial void LogAlreadyRunning(ILogger logger, string host, int port);

    [LoggerMessage(2, LogLevel.Information, "Installing Azurite {Version} into {Directory} (first use only)")]
    private static partial void LogInstalling(ILogger logger, string version, string directory);

    [LoggerMessage(3, LogLevel.Information, "Azurite started on 127.0.0.1:{Port}, data in {Directory}")]
    private static partial void LogStarted(ILogger logger, int port, string directory);

    [LoggerMessage(4, LogLevel.Warning, "Azurite: {Line}")]
    private static partial void LogAzuriteError(ILogger logger, string line);
}

/// <summary>Host and ports of the storage endpoints named by a connection string.</summary>
public sealed record StorageEndpoints(string Host, int BlobPort, int QueuePort, int TablePort)
{
    public bool IsLoopback => Host is "127.0.0.1" or "localhost" or "::1";

    public static StorageEndpoints Parse(string connectionString, string setting)
    {
        if (connectionString.Trim().Equals("UseDevelopmentStorage=true", StringComparison.OrdinalIgnoreCase))
        {
            return new StorageEndpoints("127.0.0.1", 10000, 10001, 10002);
        }

        var parts = connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        Uri? Endpoint(string key) => parts.TryGetValue(key, out var v) ? new Uri(v) : null;
        var blob = Endpoint("BlobEndpoint") ?? throw new InvalidOperationException($"{setting} has no BlobEndpoint.");
        return new StorageEndpoints(blob.Host, blob.Port, Endpoint("QueueEndpoint")?.Port ?? blob.Port + 1, Endpoint("TableEndpoint")?.Port ?? blob.Port + 2);
    }
}
