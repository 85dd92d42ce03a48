namespace CotPipeline.Domain;

/// <summary>Who or what wrote a rationale version.</summary>
public static class RationaleSources
{
    public const string Llm = "llm";
    public const string LlmRegenerated = "llm-regenerated";
    public const string Human = "human";
}

/// <summary>Tokens an LLM call used.</summary>
public sealed record TokenUsage(int Prompt, int Completion)
{
    public static readonly TokenUsage None = new(0, 0);
}

/// <summary>
/// One version of an item's rationale, stored as <c>items/{batchId}/{itemId}/v{n}.json</c> and never overwritten.
/// </summary>
public sealed record RationaleVersion
{
    public required string BatchId { get; init; }
    public required string ItemId { get; init; }
    public required int Version { get; init; }
    public required IReadOnlyList<string> Steps { get; init; }
    public required string FinalAnswer { get; init; }
    public required string Source { get; init; }
    public int? ParentVersion { get; init; }
    /// <summary>The round whose reviews were the critique this version answers, if any.</summary>
    public int? CritiqueRound { get; init; }
    public string? Critique { get; init; }
    /// <summary>Reviewer who wrote a human version (never routed to review their own text).</summary>
    public string? AuthorId { get; init; }
    public string? Model { get; init; }
    public string? PromptVersion { get; init; }
    public TokenUsage Tokens { get; init; } = TokenUsage.None;
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The rationale as numbered steps, the way reviewers read it.</summary>
    public string Text => RationaleText.Format(Steps);
}

/// <summary>Turns rationale steps into text and back.</summary>
public static class RationaleText
{
    /// <summary>Numbered steps, one per line.</summary>
    public static string Format(IEnumerable<string> steps) =>
        string.Join('\n', steps.Select((s, i) => $"{i + 1}. {s}"));

    /// <summary>Splits free text (a reviewer's rewrite) into steps: one per non-empty line, numbering removed.</summary>
    public static IReadOnlyList<string> Split(string text) =>
        text.Replace("\r\n", "\n", StringComparison.Ordinal)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(StripNumber)
            .Where(s => s.Length > 0)
            .ToList();

    private static string StripNumber(string line)
    {
        var i = 0;
        while (i < line.Length && char.IsAsciiDigit(line[i]))
        {
            i++;
        }

        if (i > 0 && i < line.Length && line[i] is '.' or ')' or '、')
        {
            return line[(i + 1)..].Trim();
        }

        return line;
    }
}
