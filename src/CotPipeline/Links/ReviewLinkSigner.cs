using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using CotPipeline.Http;
using CotPipeline.Storage;
using Microsoft.Extensions.Options;

namespace CotPipeline.Links;

/// <summary>
/// Creates and verifies review-link tokens: <c>base64url(payload) + "." + base64url(HMAC-SHA256(key, payload))</c>,
/// with the payload laid out by <see cref="ReviewLinkPayload"/>. Verification never throws and never logs the token.
/// </summary>
public sealed class ReviewLinkSigner
{
    /// <summary>Longer input is rejected before any decoding; a real token is under 500 characters.</summary>
    public const int MaxTokenLength = 2048;

    private const int SignatureBytes = HMACSHA256.HashSizeInBytes;

    private static readonly TimeSpan LateGrace = TimeSpan.FromDays(1);

    private readonly byte[] _signingKey;
    private readonly byte[]? _previousKey;
    private readonly DateTimeOffset _previousKeyValidUntil;
    private readonly TimeSpan _linkLifetime;
    private readonly string _linkPrefix;

    public ReviewLinkSigner(IOptions<ReviewLinkOptions> options)
    {
        var o = options.Value;
        // Checked here too, because options built in code (not bound from configuration) skip the validator.
        var problems = o.Problems();
        if (problems.Count > 0)
        {
            throw new OptionsValidationException(ReviewLinkOptions.Section, typeof(ReviewLinkOptions), problems);
        }

        _signingKey = ReviewLinkOptions.DecodeKey(o.SigningKey)!;
        _previousKey = ReviewLinkOptions.DecodeKey(o.PreviousSigningKey);
        _previousKeyValidUntil = o.PreviousKeyValidUntil ?? DateTimeOffset.MinValue;
        _linkLifetime = o.LinkLifetime;
        _linkPrefix = $"{o.PublicBaseUrl!.TrimEnd('/')}/{ApiRouteTable.Prefix}/review/";
    }

    /// <summary>
    /// A fresh link for <paramref name="assignment"/>: a random link id, expiring <see cref="ReviewLinkOptions.LinkLifetime"/> after
    /// <paramref name="now"/>, and never sooner than a day after <paramref name="deadline"/> (so a late review can still be sent and kept).
    /// </summary>
    public ReviewLink NewLink(AssignmentId assignment, DateTimeOffset now, DateTimeOffset? deadline = null)
    {
        var until = now + _linkLifetime;
        if (deadline is { } d && d + LateGrace > until)
        {
            until = d + LateGrace;
        }

        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(until.ToUnixTimeSeconds());
        return new ReviewLink(assignment, expiresAt, Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16)));
    }

    /// <summary>The signed token of <paramref name="link"/>; throws <see cref="ArgumentException"/> when its ids break the id rules.</summary>
    public string Create(ReviewLink link)
    {
        var payload = ReviewLinkPayload.Encode(link);
        return $"{Base64Url.EncodeToString(payload)}.{Base64Url.EncodeToString(HMACSHA256.HashData(_signingKey, payload))}";
    }

    /// <summary>The full address a reviewer opens: <c>{PublicBaseUrl}/api/review/{token}</c>.</summary>
    public string Url(ReviewLink link) => _linkPrefix + Create(link);

    /// <summary>
    /// Checks <paramref name="token"/> at <paramref name="now"/>: shape, then signature (constant time; the signing key, then the
    /// previous key while its grace period lasts), then the payload, then the expiry — a link is expired from its expiry second on.
    /// </summary>
    public LinkVerification Verify(string? token, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength)
        {
            return LinkVerification.Malformed;
        }

        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0
            || !TryDecodeCanonical(token.AsSpan(0, dot), out var payload) || payload.Length > ReviewLinkPayload.MaxLength
            || !TryDecodeCanonical(token.AsSpan(dot + 1), out var signature) || signature.Length != SignatureBytes)
        {
            return LinkVerification.Malformed;
        }

        var genuine = SignedBy(_signingKey, payload, signature)
            || (_previousKey is not null && now < _previousKeyValidUntil && SignedBy(_previousKey, payload, signature));
        if (!genuine)
        {
            return LinkVerification.BadSignature;
        }

        if (!ReviewLinkPayload.TryDecode(payload, out var link))
        {
            return LinkVerification.Malformed;
        }

        return new LinkVerification(now < link!.ExpiresAt ? LinkStatus.Valid : LinkStatus.Expired, link);
    }

    private static bool SignedBy(byte[] key, byte[] payload, byte[] signature)
    {
        Span<byte> expected = stackalloc byte[SignatureBytes];
        HMACSHA256.HashData(key, payload, expected);
        return CryptographicOperations.FixedTimeEquals(expected, signature);
    }

    /// <summary>
    /// Decodes unpadded base64url, accepting only the one encoding <see cref="Base64Url.EncodeToString(ReadOnlySpan{byte})"/>
    /// produces: the decoder itself skips whitespace and accepts padding (it does reject non-zero unused trailing bits).
    /// </summary>
    private static bool TryDecodeCanonical(ReadOnlySpan<char> text, out byte[] bytes)
    {
        bytes = [];
        if (text.IsEmpty || text.ContainsAnyExcept(Base64UrlAlphabet))
        {
            return false;
        }

        var buffer = new byte[Base64Url.GetMaxDecodedLength(text.Length)];
        if (Base64Url.DecodeFromChars(text, buffer, out _, out var written) != OperationStatus.Done)
        {
            return false;
        }

        bytes = buffer[..written];
        return true;
    }

    private static readonly SearchValues<char> Base64UrlAlphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
}
