using System.Diagnostics;
using System.Text.RegularExpressions;
using System.Net.Http.Json;
using MimeKit;

namespace CotPipeline.IntegrationTests.Infrastructure;

/// <summary>
/// A private smtp4dev (in-memory database, free SMTP, web, IMAP and POP3 ports) for a test class, run from the repository's
/// pinned local tool manifest (<c>.config/dotnet-tools.json</c>); its REST API tells what arrived. Fails, never skips, when
/// the tool is not restored.
/// </summary>
public sealed partial class Smtp4devFixture : IAsyncLifetime
{
    public const string Version = "3.15.0";

    /// <summary>How long <see cref="MessagesToAsync"/> waits for e-mails that have not come.</summary>
    private static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(30);

    private readonly CapturedOutput _output = new();
    private readonly string _appData = Path.Combine(Path.GetTempPath(), $"cot-smtp4dev-{Guid.NewGuid():N}");
    private Process? _process;

    public int SmtpPort { get; } = Ports.Free();
    public int WebPort { get; } = Ports.Free();

    public HttpClient Api { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_appData);
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = RepoPaths.Root };
        foreach (var arg in new[]
        {
            "tool", "run", "smtp4dev", "--",
            $"--smtpport={SmtpPort}", $"--urls=http://127.0.0.1:{WebPort}", "--db=",
            $"--imapport={Ports.Free()}", $"--pop3port={Ports.Free()}",
            "--bindaddress=127.0.0.1", "--hostname=localhost", "--nousersettings", $"--baseappdatapath={_appData}",
            // The default keeps only the last 100: a shared host's tests send more, and each test reads its own e-mails later.
            "--messagestokeep=100000", "--sessionstokeep=100000",
        })
        {
            start.ArgumentList.Add(arg);
        }

        _process = _output.Start(start);
        Api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{WebPort}/") };
        foreach (var port in new[] { SmtpPort, WebPort })
        {
            await Ports.WaitListeningAsync(port, TimeSpan.FromSeconds(120), () => _process.HasExited ? WhyExited() : null);
        }
    }

    public string Output => _output.ToString();

    /// <summary>
    /// Summaries of every message sent to <paramref name="recipient"/>, once at least <paramref name="atLeast"/> have come, and
    /// 200 ms more for any that follow: smtp4dev stores a message a moment after it accepted it (on a queue of its own, which a
    /// loaded machine can hold up for seconds), and the mailer no longer ends its session (which took that moment) after each e-mail.
    /// </summary>
    /// <exception cref="TimeoutException">Fewer than <paramref name="atLeast"/> came within 30 s; the message quotes smtp4dev's log.</exception>
    public async Task<IReadOnlyList<MessageSummary>> MessagesToAsync(string recipient, int atLeast = 0)
    {
        var waited = Stopwatch.StartNew();
        var messages = await ReadMessagesToAsync(recipient);
        if (atLeast == 0)
        {
            return messages;
        }

        while (messages.Count < atLeast)
        {
            if (waited.Elapsed > StoreTimeout)
            {
                throw new TimeoutException(
                    $"smtp4dev holds {messages.Count} e-mail(s) to {recipient} after {waited.Elapsed.TotalSeconds:0} s, not the {atLeast} expected. "
                    + $"Its log lines naming the address:\n{LogLines(l => l.Contains(recipient, StringComparison.OrdinalIgnoreCase))}\n"
                    + $"Its last lines:\n{LogLines(_ => true, last: 15)}");
            }

            await Task.Delay(100);
            messages = await ReadMessagesToAsync(recipient);
        }

        await Task.Delay(200);
        return await ReadMessagesToAsync(recipient);
    }

    private string LogLines(Func<string, bool> which, int last = 40) =>
        Output.Split('\n').Where(which).TakeLast(last).ToList() is { Count: > 0 } lines ? string.Join('\n', lines) : "(none)";

    private async Task<IReadOnlyList<MessageSummary>> ReadMessagesToAsync(string recipient)
    {
        var page = await Api.GetFromJsonAsync<MessagePage>("api/messages?pageSize=1000")
            ?? throw new InvalidOperationException("smtp4dev answered /api/messages with nothing.");
        return page.Results.Where(m => m.To.Contains(recipient, StringComparer.OrdinalIgnoreCase)).ToList();
    }

    /// <summary>The message as received (its raw source), parsed: headers and decoded parts.</summary>
    public async Task<MimeMessage> LoadAsync(string messageId)
    {
        await using var raw = await Api.GetStreamAsync($"api/messages/{messageId}/raw");
        return await MimeMessage.LoadAsync(raw);
    }

    /// <summary>The personal review link in an e-mail's text part, or "" when it has none.</summary>
    public static string ReviewLinkIn(MimeMessage message) => ReviewLink().Match(message.TextBody ?? "").Value;

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process?.Dispose();
        Api?.Dispose();
        Directory.Delete(_appData, recursive: true);
        return Task.CompletedTask;
    }

    private string WhyExited()
    {
        _process!.WaitForExit(); // flushes the redirected output, which names the missing tool
        var output = Output;
        var hint = output.Contains("dotnet tool restore", StringComparison.OrdinalIgnoreCase) || output.Contains("Cannot find a tool", StringComparison.OrdinalIgnoreCase)
            ? $" smtp4dev {Version} is not restored: run `dotnet tool restore` in {RepoPaths.Root} (bash .ci/run does)."
            : "";
        return $"smtp4dev exited with {_process.ExitCode}.{hint} Output: {output}";
    }

    /// <summary>One row of smtp4dev's <c>/api/messages</c>.</summary>
    public sealed record MessageSummary(string Id, string Subject, IReadOnlyList<string> To);

    private sealed record MessagePage(IReadOnlyList<MessageSummary> Results);

    [GeneratedRegex(@"https?://\S+/api/review/[A-Za-z0-9_.-]+")]
    private static partial Regex ReviewLink();
}
