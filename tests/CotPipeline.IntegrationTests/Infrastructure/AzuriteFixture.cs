using System.Diagnostics;

namespace CotPipeline.IntegrationTests.Infrastructure;

/// <summary>
/// A private Azurite (in-memory unless <see cref="Location"/> is set, free ports) for a test class. Uses the pinned install that <c>.ci/run</c> and the
/// local host make (<c>~/.cot/azurite-3.37.0</c>, or <c>COT_AZURITE_JS</c>); fails, never skips, when it is missing.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    public const string Version = "3.37.0";
    private const string Account = "devstoreaccount1";
    private const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly CapturedOutput _output = new();
    private List<Process> _processes = [];

    public int BlobPort { get; private set; } = Ports.Free();
    public int QueuePort { get; private set; } = Ports.Free();
    public int TablePort { get; private set; } = Ports.Free();

    /// <summary>A folder to keep the data in instead of memory, so that <see cref="StopAsync"/> and <see cref="StartAgainAsync"/> keep it.</summary>
    public string? Location { get; init; }

    /// <summary>
    /// Blob, queue and table each in a node process of its own (Azurite's <c>blob/main.js</c>, <c>queue/main.js</c>,
    /// <c>table/main.js</c>), as Azure serves them from separate servers, instead of one process serving all three on its one
    /// thread. For the scenarios whose storage is the bottleneck, so that it is the system's requests that are measured and not
    /// one core's worth of an emulator.
    /// </summary>
    public bool ServicePerProcess { get; init; }

    /// <summary>
    /// An Azurite that keeps its data on disk, in a folder of its own removed at the end, as the local host runs it. In memory,
    /// Azurite keeps every queue message and blob write as an extent of its own, and its queue GC removes the extents of the
    /// messages deleted in the last minute one by one, each removal re-indexing all the others: a host moving a few thousand
    /// messages a minute finds Azurite frozen for about 5 s every minute (profiled). On disk, messages share 64 MB extent files.
    /// </summary>
    public static AzuriteFixture OnDisk() => new() { Location = Path.Combine(Path.GetTempPath(), $"cot-azurite-{Guid.NewGuid():N}") };

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={Key};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/{Account};QueueEndpoint=http://127.0.0.1:{QueuePort}/{Account};TableEndpoint=http://127.0.0.1:{TablePort}/{Account};";

    public static string Script()
    {
        var script = Environment.GetEnvironmentVariable("COT_AZURITE_JS");
        if (string.IsNullOrEmpty(script))
        {
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            script = Path.Combine(home, ".cot", $"azurite-{Version}", "node_modules", "azurite", "dist", "src", "azurite.js");
        }

        return File.Exists(script)
            ? script
            : throw new InvalidOperationException(
                $"Azurite is not installed at {script}. Install it with: npm install --prefix ~/.cot/azurite-{Version} azurite@{Version} (bash .ci/run does).");
    }

    public async Task InitializeAsync()
    {
        // A free port can be taken by another server between our probe and Azurite's bind; then Azurite exits at once,
        // and new ports are tried (a few times) rather than failing the test class.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await StartAsync();
                return;
            }
            catch (InvalidOperationException) when (attempt < 3 && _processes.Any(p => p.HasExited))
            {
                Kill();
                (BlobPort, QueuePort, TablePort) = (Ports.Free(), Ports.Free(), Ports.Free());
            }
        }
    }

    private async Task StartAsync()
    {
        string[] storage = Location is null ? ["--inMemoryPersistence"] : ["--location", Location];
        string[] common = ["--skipApiVersionCheck", "--loose", "--disableTelemetry", "--silent", .. storage];
        string[] blob = ["--blobHost", "127.0.0.1", "--blobPort", BlobPort.ToString()];
        string[] queue = ["--queueHost", "127.0.0.1", "--queuePort", QueuePort.ToString()];
        string[] table = ["--tableHost", "127.0.0.1", "--tablePort", TablePort.ToString()];
        var services = Path.GetDirectoryName(Script())!;
        List<string[]> processes = ServicePerProcess
            ?
            [
                [Path.Combine(services, "blob", "main.js"), .. common, .. blob],
                [Path.Combine(services, "queue", "main.js"), .. common, .. queue],
                [Path.Combine(services, "table", "main.js"), .. common, .. table],
            ]
            : [[Script(), .. common, .. blob, .. queue, .. table]];
        _processes = processes.Select(arguments =>
        {
            var start = new ProcessStartInfo("node") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in arguments)
            {
                start.ArgumentList.Add(arg);
            }

            return _output.Start(start);
        }).ToList();
        foreach (var port in new[] { BlobPort, QueuePort, TablePort })
        {
            // Generous: node starts slowly on a loaded 2-core machine, and a slow start is not what any test checks.
            await Ports.WaitListeningAsync(port, TimeSpan.FromSeconds(120),
                () => _processes.FirstOrDefault(p => p.HasExited) is { } exited ? $"Azurite exited with {exited.ExitCode}: {Output}" : null);
        }

        // Someone else may have been listening on one of the ports (a server of another test run on this machine), and then
        // Azurite exits with EADDRINUSE a moment after the ports "listen": a start counts only if our process is still there.
        await Task.Delay(500);
        if (_processes.FirstOrDefault(p => p.HasExited) is { } gone)
        {
            throw new InvalidOperationException($"Azurite exited with {gone.ExitCode} right after starting: {Output}");
        }
    }

    public string Output => _output.ToString();

    /// <summary>
    /// Stops Azurite the way a service is stopped (SIGTERM: it writes its data to <see cref="Location"/> and exits); every
    /// storage call fails until <see cref="StartAgainAsync"/>.
    /// </summary>
    public async Task StopAsync()
    {
        if (Location is null)
        {
            throw new InvalidOperationException("An in-memory Azurite would lose everything: set Location to stop and start it again.");
        }

        foreach (var process in _processes)
        {
            using (var term = Process.Start("kill", ["-TERM", process.Id.ToString()]))
            {
                await term.WaitForExitAsync();
            }

            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(patience.Token);
            process.Dispose();
        }

        _processes = [];
    }

    /// <summary>Starts Azurite again on the same ports over the same data.</summary>
    public Task StartAgainAsync() => StartAsync();

    public Task DisposeAsync()
    {
        Kill();
        if (Location is not null && Directory.Exists(Location))
        {
            Directory.Delete(Location, recursive: true);
        }

        return Task.CompletedTask;
    }

    private void Kill()
    {
        foreach (var process in _processes)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }

            process.Dispose();
        }

        _processes = [];
    }
}
