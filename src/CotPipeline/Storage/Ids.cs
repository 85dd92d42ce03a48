using System.Text.RegularExpressions;

namespace CotPipeline.Storage;

/// <summary>
/// Rules for the ids that become table keys, blob paths and instance ids: letters, digits, '_' and '-' only,
/// so they never need escaping and '.' and ':' stay free as separators.
/// </summary>
public static partial class Ids
{
    public const int MaxLength = 64;

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex Pattern();

    public static bool IsValid(string? id) => id is not null && Pattern().IsMatch(id);

    /// <summary>Why <paramref name="id"/> is not a valid id, or null when it is.</summary>
    public static string? Problem(string? id, string what) => id switch
    {
        null or "" => $"{what} is missing",
        { Length: > MaxLength } => $"{what} is {id.Length} characters long; at most {MaxLength} are allowed",
        _ when !IsValid(id) => $"{what} \"{Shorten(id)}\" may contain only letters, digits, '_' and '-'",
        _ => null,
    };

    /// <summary>The durable instance id of an item's ReviewItem orchestration.</summary>
    public static string ItemInstance(string batchId, string itemId) => $"{batchId}:{itemId}";

    /// <summary>The durable instance id of a batch's StartBatch orchestration.</summary>
    public static string BatchInstance(string batchId) => $"batch:{batchId}";

    /// <summary>The durable instance id of a batch's CancelBatch orchestration ('~' never occurs in an item id, so no item's instance has it).</summary>
    public static string CancelInstance(string batchId) => $"{batchId}:~cancel";

    /// <summary>The durable instance id of a batch's deadline watch (<c>WatchDeadlines</c>).</summary>
    public static string DeadlineInstance(string batchId) => $"{batchId}:~deadlines";

    internal static string Shorten(string text, int max = 40) =>
        text.Length <= max ? text : string.Concat(text.AsSpan(0, max), "…");
}

/// <summary>
/// An assignment id: <c>{batchId}.{itemId}.{round}.{reviewerId}</c> — one reviewer, one item, one round,
/// so a retried assignment step produces the same id and a reviewer is never assigned twice to one round.
/// </summary>
public readonly record struct AssignmentId(string BatchId, string ItemId, int Round, string ReviewerId)
{
    public override string ToString() => $"{BatchId}.{ItemId}.{Round}.{ReviewerId}";

    public static bool TryParse(string? text, out AssignmentId id)
    {
        id = default;
        var parts = text?.Split('.') ?? [];
        if (parts.Length != 4 || !Ids.IsValid(parts[0]) || !Ids.IsValid(parts[1]) || !Ids.IsValid(parts[3])
            || !int.TryParse(parts[2], System.Globalization.NumberStyles.None, null, out var round) || round is < 0 or > 10_000)
        {
            return false;
        }

        id = new AssignmentId(parts[0], parts[1], round, parts[3]);
        return true;
    }
}
