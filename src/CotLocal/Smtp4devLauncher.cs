using System.Diagnostics;
using CotPipeline.Mail;
using Microsoft.Extensions.Options;

namespace CotLocal;

/// <summary>
/// Makes sure review e-mails have somewhere to go: when nothing listens on <c>Smtp:Port</c> of a loopback <c>Smtp:Host</c> and
/// <see cref="LocalOptions.StartSmtp4dev"/> is on, installs the pinned smtp4dev as a .NET tool (first use only) and starts it,
/// with its web inbox on <see cref="LocalOptions.Smtp4devWebPort"/>.
/// </summary>
public sealed partial class Smtp4devLauncher(IOptions<LocalOptions> options, IOptions<SmtpOptions> smtp, ILogger<Smtp4devLauncher> logger) : IDisposable
{
    private Process? _smtp4dev;

    /// <summary>The inbox a person opens to read the review e-mails, or null when the SMTP server is not a local smtp4dev.</summary>
    public string? InboxUrl { get; private set; }

    public async Task EnsureRunningAsync(CancellationToken ct)
    {
        var o = options.Value;
        var host = smtp.Value.Host!;
        var port = smtp.Value.Port;
        var loopback = host is "localhost" or "127.0.0.1" or "::1";
        if (await LocalProcesses.IsListeningAsync(host, port, ct))
        {
            InboxUrl = loopback && await LocalProcesses.IsListeningAsync("127.0.0.1", o.Smtp4devWebPort, ct) ? $"http://localhost:{o.Smtp4devWebPort}" : null;
            LogAlreadyRunning(logger, host, port);
            return;
        }

        if (!o.StartSmtp4dev || !loopback)
        {
            // Mail is retried by the pipeline, so a missing server delays review requests but loses none: say so and go on.
            LogNoServer(logger, host, port);
            return;
        }

        var toolDir = Path.Combine(AzuriteLauncher.Home(o), $"smtp4dev-{o.Smtp4devVersion}");
        var exe = Path.Combine(toolDir, "smtp4dev");
        if (!File.Exists(exe))
        {
            LogInstalling(logger, o.Smtp4devVersion, toolDir);
            await LocalProcesses.RunAsync("dotnet", ["tool", "install", "Rnwood.Smtp4dev", "--version", o.Smtp4devVersion, "--tool-path", toolDir], ct);
        }

        var dataDir = Path.Combine(AzuriteLauncher.Home(o), "smtp4dev-data");
        Directory.CreateDirectory(dataDir);
        _smtp4dev = await LocalProcesses.StartServerAsync(exe,
            [
                $"--smtpport={port}", $"--urls=http://127.0.0.1:{o.Smtp4devWebPort}", "--bindaddress=127.0.0.1", "--hostname=localhost",
                "--imapport=0", "--pop3port=0", "--nousersettings", $"--baseappdatapath={dataDir}",
                // smtp4dev keeps 100 by default: a batch of any size sends more review requests than that.
                "--messagestokeep=10000",
            ],
            [port, o.Smtp4devWebPort], TimeSpan.FromSeconds(120),
            _ => { },
            exit => $"smtp4dev did not start (SMTP 127.0.0.1:{port}, web 127.0.0.1:{o.Smtp4devWebPort}; {exit}). "
                + "Free the ports, set Local:Smtp4devWebPort or Smtp:Port, or set Local:StartSmtp4dev=false.", ct);

        InboxUrl = $"http://localhost:{o.Smtp4devWebPort}";
        LogStarted(logger, port, InboxUrl);
    }

    public void Dispose()
    {
        if (_smtp4dev is { HasExited: false })
        {
            _smtp4dev.Kill(entireProcessTree: true);
        }

        _smtp4dev?.Dispose();
    }

    [LoggerMessage(1, LogLevel.Information, "An SMTP server is already listening on {Host}:{Port}")]
    private static partial void LogAlreadyRunning(ILogger logger, string host, int port);

    [LoggerMessage(2, LogLevel.Information, "Installing smtp4dev {Version} into {Directory} (first use only)")]
    private static partial void LogInstalling(ILogger logger, string version, string directory);

    [LoggerMessage(3, LogLevel.Information, "smtp4dev started: SMTP on 127.0.0.1:{Port}, inbox at {Inbox}")]
    private static partial void LogStarted(ILogger logger, int port, string inbox);

    [LoggerMessage(4, LogLevel.Warning, "Nothing listens on {Host}:{Port} (Smtp settings) and smtp4dev is not started here: review e-mails wait and are retried until a server answers")]
    private static partial void LogNoServer(ILogger logger, string host, int port);
}
