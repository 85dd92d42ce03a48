using CotPipeline.Domain;

namespace CotPipeline.Llm;

/// <summary>
/// Writes a clearly labelled template rationale without any network, so the whole loop runs in a demo.
/// Deterministic: the same request always gives the same rationale. Token usage is zero (no model ran).
/// </summary>
public sealed class OfflineRationaleModel : IRationaleModel
{
    public const string ModelName = "offline-template";
    private const int MaxQuoteChars = 160;

    public string Model => ModelName;

    public Task<GeneratedRationale> GenerateAsync(RationaleRequest request, CancellationToken cancellationToken)
    {
        var item = request.Item;
        var steps = new List<string>
        {
            "[Offline template, not medical reasoning] This text was written by the offline generator so the pipeline " +
            "can run without a language model; it only restates the question and the answer key.",
            $"The question asks: \"{Quote(item.Question)}\"",
        };

        steps.AddRange(Revision(request));
        steps.AddRange(PromptLibrary.OrderedOptions(item).Select(o => o.Key == item.Answer
            ? $"Option {o.Key} (\"{Quote(o.Value)}\") is the answer key."
            : $"Option {o.Key} (\"{Quote(o.Value)}\") is not the answer key."));
        steps.Add($"Therefore the answer is {item.Answer}.");

        return Task.FromResult(new GeneratedRationale(steps, item.Answer, ModelName, request.PromptVersion, TokenUsage.None));
    }

    /// <summary>For a regeneration, a step that shows what it answers, so a second version visibly differs.</summary>
    private static IEnumerable<string> Revision(RationaleRequest request)
    {
        if (request.Critique is { Count: > 0 } critique)
        {
            var comments = critique.SelectMany(c => c.Comments.Values).Where(c => !string.IsNullOrWhiteSpace(c)).ToList();
            yield return comments.Count > 0
                ? $"Regenerated addressing the critique of {critique.Count} reviewer(s): " + string.Join(" | ", comments.Select(Quote))
                : $"Regenerated addressing the critique of {critique.Count} reviewer(s), who left no comments.";
        }

        if (request.GateFeedback is { Count: > 0 } feedback)
        {
            yield return "Regenerated addressing the automatic checks: " + string.Join(" | ", feedback.Select(Quote));
        }
    }

    /// <summary>One line, trimmed, at most <see cref="MaxQuoteChars"/> characters.</summary>
    private static string Quote(string text)
    {
        var line = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (line.Length <= MaxQuoteChars)
        {
            return line;
        }

        var cut = char.IsHighSurrogate(line[MaxQuoteChars - 1]) ? MaxQuoteChars - 1 : MaxQuoteChars;
        return string.Concat(line.AsSpan(0, cut), "…");
    }
}
