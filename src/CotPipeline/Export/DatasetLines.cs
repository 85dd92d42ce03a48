using System.Text.Json.Serialization;
using CotPipeline.Domain;

namespace CotPipeline.Export;

/// <summary>One line of <c>dataset.jsonl</c>: a verified item with its final rationale and the whole review record.</summary>
public sealed record DatasetLine(
    string Id,
    string Department,
    string Question,
    IReadOnlyDictionary<string, string> Options,
    string Answer,
    FinalRationale Rationale,
    int Rounds,
    IReadOnlyList<ExportedRound> ReviewRounds,
    ConsensusOutcome? Consensus,
    bool Adjudicated,
    string Model,
    string PromptVersion);

/// <summary>The final rationale version of a verified item; a human author appears as their pseudonym.</summary>
public sealed record FinalRationale(int Version, string Source, string Text, IReadOnlyList<string> Steps, string FinalAnswer, string? Author);

/// <summary>One round of an item: the version reviewed, each counted review's scores, and the round's consensus decision.</summary>
public sealed record ExportedRound(int Round, int Version, IReadOnlyList<ExportedReview> Reviews, ExportedDecision? Decision);

/// <summary>A counted review with its reviewer pseudonymised; comments are left out (free text may name people).</summary>
public sealed record ExportedReview(string Reviewer, Verdict Verdict, IReadOnlyDictionary<string, int> Scores);

/// <summary>The consensus decision of a round, with the reasons of the rule.</summary>
public sealed record ExportedDecision(ConsensusOutcome Outcome, IReadOnlyDictionary<string, double> Medians, IReadOnlyList<string> Reasons);

/// <summary>One line of <c>sft.jsonl</c>, in the field names supervised fine-tuning sets of medical reasoning use.</summary>
public sealed record SftLine(
    [property: JsonPropertyName("Question")] string Question,
    [property: JsonPropertyName("Complex_CoT")] string ComplexCot,
    [property: JsonPropertyName("Response")] string Response)
{
    /// <summary>The question followed by its options, one per line; the response is the key with its option text.</summary>
    public static SftLine From(QaItem item, RationaleVersion rationale) => new(
        string.Join('\n', item.Options.Select(o => $"{o.Key}. {o.Value}").Prepend(item.Question)),
        rationale.Text,
        item.Options.TryGetValue(item.Answer, out var text) ? $"{item.Answer}. {text}" : item.Answer);
}

/// <summary>One line of <c>excluded.jsonl</c>: an item that is not in the dataset, and why.</summary>
public sealed record ExcludedLine(string Id, string Department, string State, string Reason, int Rounds);
