using System.Security.Cryptography;
using System.Text;

namespace CotPipeline.Pages;

/// <summary>The content type and security headers every review page response carries.</summary>
public static class PageSecurity
{
    public const string ContentType = "text/html; charset=utf-8";

    /// <summary>
    /// No script, image, font or connection of any kind; the one inline style block by its hash (computed from the
    /// style itself, so the two cannot drift apart); forms post only to this origin; no framing.
    /// </summary>
    public static readonly string ContentSecurityPolicy =
        $"default-src 'none'; style-src 'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(ReviewPages.Style)))}'; "
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static IReadOnlyList<KeyValuePair<string, string>> Headers { get; } =
    [
        new("Content-Security-Policy", ContentSecurityPolicy),
        new("X-Content-Type-Options", "nosniff"),
        new("Referrer-Policy", "no-referrer"),
        new("X-Frame-Options", "DENY"),
        // The page holds the reviewer's personal link and what they typed: no shared or back-button cache keeps it.
        new("Cache-Control", "no-store"),
    ];
}
