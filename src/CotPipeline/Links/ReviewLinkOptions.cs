using CotPipeline.Options;

namespace CotPipeline.Links;

/// <summary>Keys, lifetime and public address of review links; configured under <c>ReviewLinks</c> (keys from Key Vault in Azure).</summary>
public sealed class ReviewLinkOptions : IHasProblems
{
    public const string Section = "ReviewLinks";

    /// <summary>Fewer key bytes than SHA-256's output would weaken HMAC-SHA256.</summary>
    public const int MinKeyBytes = 32;

    /// <summary>Base64 HMAC-SHA256 key that signs new links, at least <see cref="MinKeyBytes"/> bytes decoded.</summary>
    public string? SigningKey { get; set; }

    /// <summary>The key used before the last rotation; links it signed stay valid until <see cref="PreviousKeyValidUntil"/>.</summary>
    public string? PreviousSigningKey { get; set; }

    /// <summary>End of the rotation grace period for <see cref="PreviousSigningKey"/>; required when that key is set.</summary>
    public DateTimeOffset? PreviousKeyValidUntil { get; set; }

    public TimeSpan LinkLifetime { get; set; } = TimeSpan.FromDays(14);

    /// <summary>Absolute http or https address the review API is reached at; links are <c>{PublicBaseUrl}/api/review/{token}</c>.</summary>
    public string? PublicBaseUrl { get; set; }

    internal static readonly TimeSpan MaxLinkLifetime = TimeSpan.FromDays(90);

    /// <summary>Every setting that is wrong, each named by its configuration key; empty when all are fine.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        KeyProblem(problems, nameof(SigningKey), SigningKey);
        if (!string.IsNullOrEmpty(PreviousSigningKey))
        {
            KeyProblem(problems, nameof(PreviousSigningKey), PreviousSigningKey);
            if (PreviousKeyValidUntil is null)
            {
                problems.Add($"{Section}:{nameof(PreviousKeyValidUntil)} is required when {Section}:{nameof(PreviousSigningKey)} is set "
                    + "(the end of the rotation grace period, e.g. \"2026-07-01T00:00:00Z\").");
            }
        }

        if (LinkLifetime <= TimeSpan.Zero || LinkLifetime > MaxLinkLifetime)
        {
            problems.Add($"{Section}:{nameof(LinkLifetime)} is {LinkLifetime}; it must be more than zero and at most {MaxLinkLifetime.TotalDays} days.");
        }

        if (string.IsNullOrWhiteSpace(PublicBaseUrl))
        {
            problems.Add($"{Section}:{nameof(PublicBaseUrl)} is missing; set it to the absolute http or https address reviewers open links at.");
        }
        else if (!Uri.TryCreate(PublicBaseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
            || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            problems.Add($"{Section}:{nameof(PublicBaseUrl)} \"{PublicBaseUrl}\" must be an absolute http or https URL without query or fragment.");
        }

        return problems;
    }

    /// <summary>The decoded key, or null when it is missing or not base64.</summary>
    internal static byte[]? DecodeKey(string? base64)
    {
        if (string.IsNullOrWhiteSpace(base64))
        {
            return null;
        }

        var buffer = new byte[base64.Length];
        return Convert.TryFromBase64String(base64.Trim(), buffer, out var written) ? buffer[..written] : null;
    }

    private static void KeyProblem(List<string> problems, string setting, string? value)
    {
        // The message never repeats the value: it is a secret.
        if (string.IsNullOrWhiteSpace(value))
        {
            problems.Add($"{Section}:{setting} is missing; set it to a base64 key of at least {MinKeyBytes} random bytes (e.g. openssl rand -base64 {MinKeyBytes}).");
        }
        else if (DecodeKey(value) is not { } key)
        {
            problems.Add($"{Section}:{setting} is not valid base64.");
        }
        else if (key.Length < MinKeyBytes)
        {
            problems.Add($"{Section}:{setting} decodes to {key.Length} bytes; at least {MinKeyBytes} are required.");
        }
    }
}
