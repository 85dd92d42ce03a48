using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using CotPipeline.Links;
using CotPipeline.Storage;
using Microsoft.Extensions.Options;

namespace CotPipeline.Tests.Links;

/// <summary>Keys, links and hand-built tokens for the review-link tests.</summary>
internal static class ReviewLinkTestData
{
    public static readonly byte[] KeyA = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    public static readonly byte[] KeyB = Enumerable.Range(101, 32).Select(i => (byte)i).ToArray();

    public static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static readonly ReviewLink Link =
        new(new AssignmentId("batch-2026_03", "item-0042", 2, "dr_wang"), Now.AddDays(14), "Ln7-x_Q");

    public static ReviewLinkOptions OptionsWith(byte[] key, string baseUrl = "https://review.example.org") => new()
    {
        SigningKey = Convert.ToBase64String(key),
        PublicBaseUrl = baseUrl,
    };

    public static ReviewLinkSigner Signer(byte[] key) => Signer(OptionsWith(key));

    public static ReviewLinkSigner Signer(ReviewLinkOptions options) => new(Microsoft.Extensions.Options.Options.Create(options));

    /// <summary>A payload written by hand from the documented layout, so the tests do not trust the code they test.</summary>
    public static byte[] Payload(string assignment, string linkId, long expirySeconds, byte version = 1)
    {
        var bytes = new List<byte> { version };
        var expiry = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(expiry, expirySeconds);
        bytes.AddRange(expiry);
        foreach (var field in new[] { assignment, linkId })
        {
            var text = Encoding.UTF8.GetBytes(field);
            bytes.Add((byte)text.Length);
            bytes.AddRange(text);
        }

        return [.. bytes];
    }

    public static string Token(byte[] payload, byte[] key) =>
        $"{Base64Url.EncodeToString(payload)}.{Base64Url.EncodeToString(HMACSHA256.HashData(key, payload))}";
}
