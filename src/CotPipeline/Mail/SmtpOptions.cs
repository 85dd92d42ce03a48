using CotPipeline.Options;
using MimeKit;

namespace CotPipeline.Mail;

/// <summary>How the SMTP connection is secured.</summary>
public enum SmtpTlsMode
{
    /// <summary>Plain SMTP: only for a local server such as smtp4dev.</summary>
    None,

    /// <summary>Connect in plain text, then upgrade with STARTTLS (required by the server); usual on port 587.</summary>
    StartTls,

    /// <summary>TLS from the first byte; usual on port 465.</summary>
    SslOnConnect,
}

/// <summary>The SMTP server that sends review requests; configured under <c>Smtp</c> (the password from Key Vault in Azure).</summary>
public sealed class SmtpOptions : IHasProblems
{
    public const string Section = "Smtp";

    public string? Host { get; set; }

    /// <summary>25 by default (a local server); the Azure template sets 587.</summary>
    public int Port { get; set; } = 25;

    /// <summary>User name for SMTP AUTH; when empty, no authentication is attempted.</summary>
    public string? User { get; set; }

    public string? Password { get; set; }

    /// <summary>Sender address, e.g. <c>CoT review &lt;review@example.org&gt;</c>.</summary>
    public string? From { get; set; }

    /// <summary>
    /// When unset: <see cref="SmtpTlsMode.StartTls"/> if <see cref="User"/> is set (credentials never cross the network
    /// in clear), otherwise <see cref="SmtpTlsMode.None"/> (a local server without TLS).
    /// </summary>
    public SmtpTlsMode? UseTls { get; set; }

    /// <summary>Bound on each connect, command and send of one attempt.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts within one call when the server is unreachable or answers 4xx; then the activity's retry policy takes over.</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>Wait before the second attempt; doubled before each further one.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>One call, every attempt and wait included, stays below the 5-minute work-item visibility timeout.</summary>
    internal static readonly TimeSpan MaxCallDuration = TimeSpan.FromMinutes(4);

    internal SmtpTlsMode EffectiveTls => UseTls ?? (string.IsNullOrEmpty(User) ? SmtpTlsMode.None : SmtpTlsMode.StartTls);

    /// <summary>The wait before attempt <paramref name="attempt"/> (2 or more): <see cref="RetryDelay"/> doubled per earlier retry.</summary>
    internal TimeSpan DelayBefore(int attempt) => RetryDelay * Math.Pow(2, attempt - 2);

    /// <summary>The longest one call can take: every attempt timing out, and every wait between them.</summary>
    internal TimeSpan WorstCallDuration() =>
        Timeout * MaxAttempts + Enumerable.Range(2, Math.Max(0, MaxAttempts - 1)).Aggregate(TimeSpan.Zero, (sum, a) => sum + DelayBefore(a));

    /// <summary>Every wrong setting, each named by its configuration key; empty when all are fine.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Host))
        {
            problems.Add($"{Section}:{nameof(Host)} is missing; set it to the SMTP server's host name (localhost for smtp4dev).");
        }

        if (Port is < 1 or > 65535)
        {
            problems.Add($"{Section}:{nameof(Port)} is {Port}; it must be between 1 and 65535.");
        }

        if (string.IsNullOrWhiteSpace(From))
        {
            problems.Add($"{Section}:{nameof(From)} is missing; set it to the sender address, e.g. \"CoT review <review@example.org>\".");
        }
        else if (!MailboxAddress.TryParse(From, out var from) || !from.Address.Contains('@', StringComparison.Ordinal))
        {
            problems.Add($"{Section}:{nameof(From)} \"{From}\" is not an e-mail address (expected e.g. \"CoT review <review@example.org>\").");
        }

        if (!string.IsNullOrEmpty(User))
        {
            // The message never repeats the password: it is a secret.
            if (string.IsNullOrEmpty(Password))
            {
                problems.Add($"{Section}:{nameof(Password)} is missing; it is required when {Section}:{nameof(User)} is set.");
            }

            if (EffectiveTls == SmtpTlsMode.None)
            {
                problems.Add($"{Section}:{nameof(UseTls)} is None while {Section}:{nameof(User)} is set: the password would cross the network in clear. Use StartTls or SslOnConnect.");
            }
        }

        if (Timeout < TimeSpan.FromSeconds(1) || Timeout > TimeSpan.FromMinutes(2))
        {
            problems.Add($"{Section}:{nameof(Timeout)} is {Timeout}; it must be between 1 second and 2 minutes.");
        }

        if (MaxAttempts is < 1 or > 10)
        {
            problems.Add($"{Section}:{nameof(MaxAttempts)} is {MaxAttempts}; it must be between 1 and 10.");
        }

        if (RetryDelay < TimeSpan.Zero || RetryDelay > TimeSpan.FromMinutes(1))
        {
            problems.Add($"{Section}:{nameof(RetryDelay)} is {RetryDelay}; it must be between 0 and 1 minute.");
        }

        if (problems.Count == 0 && WorstCallDuration() > MaxCallDuration)
        {
            problems.Add($"{Section}:{nameof(MaxAttempts)}, {Section}:{nameof(Timeout)} and {Section}:{nameof(RetryDelay)} let one send take up to "
                + $"{WorstCallDuration().TotalSeconds:0} s; keep it at most {MaxCallDuration.TotalSeconds:0} s, below the work-item visibility timeout.");
        }

        return problems;
    }
}
