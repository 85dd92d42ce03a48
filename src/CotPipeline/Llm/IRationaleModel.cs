using CotPipeline.Domain;
using CotPipeline.Options;

namespace CotPipeline.Llm;

/// <summary>What one reviewer said about the previous version: the critique a regeneration answers.</summary>
public sealed record CritiqueEntry(
    string Reviewer,
    Verdict Verdict,
    IReadOnlyDictionary<string, int> Scores,
    IReadOnlyDictionary<string, string> Comments);

/// <summary>Everything needed to draft (or regenerate) one rationale candidate.</summary>
public sealed record RationaleRequest(
    QaItem Item,
    string PromptVersion,
    IReadOnlyList<RubricCriterion> Rubric,
    int Candidate,
    RationaleVersion? Previous = null,
    IReadOnlyList<CritiqueEntry>? Critique = null,
    IReadOnlyList<string>? GateFeedback = null);

/// <summary>A drafted rationale: steps and final answer, as the model returned them.</summary>
public sealed record GeneratedRationale(
    IReadOnlyList<string> Steps,
    string FinalAnswer,
    string Model,
    string PromptVersion,
    TokenUsage Tokens);

/// <summary>The model returned something that is not the rationale JSON we asked for.</summary>
public sealed class LlmOutputException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Drafts rationales. Implementations: Azure OpenAI, any OpenAI-compatible endpoint, and an offline template.</summary>
public interface IRationaleModel
{
    /// <summary>The model name recorded on every version it writes.</summary>
    string Model { get; }

    /// <exception cref="LlmOutputException">The model's answer is not valid rationale JSON.</exception>
    Task<GeneratedRationale> GenerateAsync(RationaleRequest request, CancellationToken cancellationToken);
}
