using System.Diagnostics;
using System.Net.Http.Headers;

namespace CotPipeline.IntegrationTests.Infrastructure;

/// <summary>
/// Runs the real local host (<c>CotLocal</c>, built with the solution) as a separate process over a private Azurite,
/// on free ports, and talks to it over HTTP with the operator key.
/// </summary>
public class LocalHostFixture : IAsyncLifetime
{
    public const string ApiKey = "integration-test-key";

    /// <summary>The task hub of the host's engine: its tables are <c>{HubName}History</c>, <c>{HubName}Instances</c>, ….</summary>
    public const string HubName = "CotTest";

    private readonly CapturedOutput _output = new();
    private Process? _process;

    public LocalHostFixture()
        : this(new AzuriteFixture())
    {
    }

    /// <param name="azurite">The pipeline's storage.</param>
    /// <param name="engineAzurite">The engine's task hub storage (<c>Local:EngineConnectionString</c>), or null to share <paramref name="azurite"/>.</param>
    protected LocalHostFixture(AzuriteFixture azurite, AzuriteFixture? engineAzurite = null) => (Azurite, EngineAzurite) = (azurite, engineAzurite);

    public AzuriteFixture Azurite { get; }

    /// <summary>The engine's own Azurite, when it does not share <see cref="Azurite"/>.</summary>
    public AzuriteFixture? EngineAzurite { get; }

    /// <summary>The inbox the host's review e-mails go to.</summary>
    public Smtp4devFixture Smtp { get; } = new();
    public int ApiPort { get; } = Ports.Free();
    public int SidecarPort { get; } = Ports.Free();
    public HttpClient Http { get; private set; } = null!;

    /// <summary>The host's process id, for measuring its memory from outside.</summary>
    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("The host has not been started.");

    /// <summary>Settings the test class wants on top of the defaults (e.g. short deadlines).</summary>
    public Dictionary<string, string> Settings { get; } = new()
    {
        ["Pipeline__ReviewersPerItem"] = "2",
        ["Pipeline__ReviewDeadline"] = "01:00:00",
        ["Pipeline__StrikeCap"] = "2",
        // Several pages even for small batches, so paging is exercised.
        ["Api__SchedulePageSize"] = "7",
        // Small, so the size limit can be tested without sending hundreds of megabytes.
        ["Api__MaxUploadBytes"] = (4 * 1024 * 1024).ToString(),
        // Work a killed host had in hand is delivered again this soon after a restart.
        ["Local__WorkItemVisibilityTimeout"] = "00:00:15",
        ["Pipeline__ReviewerRetryInterval"] = "00:00:05",
    };

    public async Task InitializeAsync()
    {
        await StartServersAsync();
        await StartHostAsync();
    }

    /// <summary>Azurite (both, when the engine has its own) and smtp4dev: what <see cref="InitializeAsync"/> starts before the host.</summary>
    public Task StartServersAsync() =>
        Task.WhenAll(Azurite.InitializeAsync(), EngineAzurite?.InitializeAsync() ?? Task.CompletedTask, Smtp.InitializeAsync());

    public async Task StartHostAsync()
    {
        var dll = RepoPaths.BuildOutput("CotLocal", "CotLocal.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        var env = new Dictionary<string, string>(Settings)
        {
            ["Storage__ConnectionString"] = Azurite.ConnectionString,
            ["Local__EngineConnectionString"] = EngineAzurite?.ConnectionString ?? "",
            ["Api__Key"] = ApiKey,
            ["Local__ApiPort"] = ApiPort.ToString(),
            ["Local__SidecarPort"] = SidecarPort.ToString(),
            ["Local__Demo"] = "false",
            ["Local__StartAzurite"] = "false",
            ["Local__StartSmtp4dev"] = "false",
            ["Smtp__Host"] = "127.0.0.1",
            ["Smtp__Port"] = Smtp.SmtpPort.ToString(),
            ["Smtp__From"] = "CoT review <review@cot.test>",
            ["Local__HubName"] = HubName,
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__CotLocal"] = "Information",
            ["DOTNET_ENVIRONMENT"] = "Production",
        };
        foreach (var (k, v) in env)
        {
            start.Environment[k] = v;
        }

        _process = _output.Start(start);
        await Ports.WaitListeningAsync(ApiPort, TimeSpan.FromSeconds(120),
            () => _process.HasExited ? $"CotLocal exited with {_process.ExitCode}:\n{Output}" : null);

        Http?.Dispose();
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ApiPort}"), Timeout = TimeSpan.FromMinutes(2) };
        Http.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        Http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    /// <summary>Kills the host at once (SIGKILL): what a crash looks like to the engine.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    public string Output => _output.ToString();

    public async Task DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        Http?.Dispose();
        await Azurite.DisposeAsync();
        if (EngineAzurite is not null)
        {
            await EngineAzurite.DisposeAsync();
        }

        await Smtp.DisposeAsync();
    }
}
