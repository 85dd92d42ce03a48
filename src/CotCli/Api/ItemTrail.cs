using System.Text.Json;

namespace CotCli.Api;

/// <summary>
/// <c>GET /api/batches/{batchId}/items/{itemId}</c>: the item's audit trail. Every member may be absent (older or newer
/// servers); <see cref="Assignments"/> and <see cref="Emails"/> are shown as they come.
/// </summary>
public sealed record ItemTrail(
    string? BatchId,
    string? ItemId,
    string? State,
    int? Round,
    int? CurrentVersion,
    int? Strikes,
    int? FinalVersion,
    string? Reason,
    QaPair? Item,
    IReadOnlyList<VersionEntry>? Versions,
    IReadOnlyList<ReviewEntry>? Reviews,
    IReadOnlyList<DecisionEntry>? Decisions,
    FinalEntry? Final,
    JsonElement? Assignments,
    JsonElement? Emails);

/// <summary>The QA pair as uploaded; <see cref="Options"/> is an object keyed A–Z (or an array).</summary>
public sealed record QaPair(string? Id, string? Department, string? Question, JsonElement? Options, string? Answer);

/// <summary>One rationale version.</summary>
public sealed record VersionEntry(
    int Version,
    string? Source,
    int? ParentVersion,
    int? CritiqueRound,
    string? Critique,
    string? AuthorId,
    string? Model,
    string? PromptVersion,
    TokenCount? Tokens,
    DateTimeOffset? CreatedAt,
    string? FinalAnswer,
    IReadOnlyList<string>? Steps);

/// <summary>Tokens an LLM call used.</summary>
public sealed record TokenCount(int Prompt, int Completion);

/// <summary>One stored review and whether it counted for its round's consensus.</summary>
public sealed record ReviewEntry(ReviewBody? Review, bool? Counted);

/// <summary>A reviewer's review of one round.</summary>
public sealed record ReviewBody(
    int Round,
    int? Version,
    string? ReviewerId,
    string? AssignmentId,
    Dictionary<string, int>? Scores,
    Dictionary<string, string>? Comments,
    string? Verdict,
    string? Rewrite,
    DateTimeOffset? SubmittedAt);

/// <summary>A round's consensus decision.</summary>
public sealed record DecisionEntry(
    int Round,
    string? Outcome,
    Dictionary<string, double>? Medians,
    IReadOnlyList<string>? Reasons,
    IReadOnlyList<string>? Reviewers,
    string? RewriteBy,
    DateTimeOffset? DecidedAt);

/// <summary>How the item's loop ended.</summary>
public sealed record FinalEntry(string? State, int? FinalVersion, int? Rounds, string? Reason, bool? Adjudicated, DateTimeOffset? DecidedAt);
