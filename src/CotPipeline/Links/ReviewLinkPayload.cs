using System.Buffers.Binary;
using System.Text;
using CotPipeline.Storage;

namespace CotPipeline.Links;

/// <summary>
/// The signed bytes of a review-link token, format version 1:
/// <code>
/// [1 byte]  version = 1
/// [8 bytes] expiry, Unix time in whole seconds, signed 64-bit big-endian
/// [1 byte]  n, then n ASCII bytes: the assignment id "{batchId}.{itemId}.{round}.{reviewerId}"
/// [1 byte]  m, then m ASCII bytes: the link id
/// </code>
/// Nothing may follow. The assignment id is stored as its text so <see cref="AssignmentId.TryParse"/> applies the id
/// rules on the way back; at most 1 + 8 + 1 + 255 + 1 + 64 = 330 bytes.
/// </summary>
internal static class ReviewLinkPayload
{
    public const byte Version = 1;

    private const int HeaderLength = 1 + sizeof(long);

    public const int MaxLength = HeaderLength + 1 + byte.MaxValue + 1 + Ids.MaxLength;

    /// <summary>The payload of <paramref name="link"/>; throws when the link's ids break the id rules (a caller's bug, not input).</summary>
    public static byte[] Encode(ReviewLink link)
    {
        ArgumentNullException.ThrowIfNull(link);
        var assignment = link.Assignment.ToString();
        if (!AssignmentId.TryParse(assignment, out _) || assignment.Length > byte.MaxValue)
        {
            throw new ArgumentException($"Assignment id \"{Ids.Shorten(assignment)}\" breaks the id rules.", nameof(link));
        }

        if (Ids.Problem(link.LinkId, "Link id") is { } problem)
        {
            throw new ArgumentException(problem, nameof(link));
        }

        var bytes = new byte[HeaderLength + 1 + assignment.Length + 1 + link.LinkId.Length];
        bytes[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(1), link.ExpiresAt.ToUnixTimeSeconds());
        var at = WriteField(bytes, HeaderLength, assignment);
        WriteField(bytes, at, link.LinkId);
        return bytes;
    }

    /// <summary>Reads a payload; false for anything but an exact, rule-abiding version 1 payload. Never throws.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, out ReviewLink? link)
    {
        link = null;
        if (bytes.Length < HeaderLength || bytes[0] != Version)
        {
            return false;
        }

        var seconds = BinaryPrimitives.ReadInt64BigEndian(bytes[1..]);
        if (seconds < DateTimeOffset.MinValue.ToUnixTimeSeconds() || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            return false;
        }

        var rest = bytes[HeaderLength..];
        if (!TryReadField(ref rest, out var assignmentText) || !TryReadField(ref rest, out var linkId) || !rest.IsEmpty
            || !AssignmentId.TryParse(assignmentText, out var assignment) || !Ids.IsValid(linkId))
        {
            return false;
        }

        link = new ReviewLink(assignment, DateTimeOffset.FromUnixTimeSeconds(seconds), linkId!);
        return true;
    }

    private static int WriteField(byte[] bytes, int at, string value)
    {
        bytes[at] = (byte)value.Length;
        return at + 1 + Encoding.ASCII.GetBytes(value, bytes.AsSpan(at + 1));
    }

    private static bool TryReadField(ref ReadOnlySpan<byte> rest, out string? value)
    {
        value = null;
        if (rest.IsEmpty || rest[0] == 0 || rest.Length < 1 + rest[0])
        {
            return false;
        }

        var field = rest.Slice(1, rest[0]);
        if (!Ascii.IsValid(field))
        {
            return false;
        }

        value = Encoding.ASCII.GetString(field);
        rest = rest[(1 + field.Length)..];
        return true;
    }
}
