using System.Text.Json;
using CotPipeline.Domain;

namespace CotPipeline.Llm;

/// <summary>Strict reader of the model's answer: <c>{"steps": [string…], "final_answer": "&lt;option letter&gt;"}</c>.</summary>
internal static class RationaleJson
{
    private const int ExcerptChars = 200;

    /// <exception cref="LlmOutputException">The text is not that JSON, with what was wrong and an excerpt.</exception>
    public static (IReadOnlyList<string> Steps, string FinalAnswer) Parse(string? text, QaItem item)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new LlmOutputException("The model returned no text.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException ex)
        {
            throw new LlmOutputException($"The model's answer is not valid JSON ({ex.Message}): {Excerpt(text)}", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Wrong($"the answer is a JSON {root.ValueKind}, not an object", text);
            }

            return (Steps(root, text), FinalAnswer(root, item, text));
        }
    }

    private static List<string> Steps(JsonElement root, string text)
    {
        if (!root.TryGetProperty("steps", out var steps) || steps.ValueKind == JsonValueKind.Null)
        {
            throw Wrong("\"steps\" is missing", text);
        }

        if (steps.ValueKind != JsonValueKind.Array)
        {
            throw Wrong($"\"steps\" is a {steps.ValueKind}, not an array of strings", text);
        }

        var result = new List<string>();
        var index = 0;
        foreach (var step in steps.EnumerateArray())
        {
            if (step.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(step.GetString()))
            {
                throw Wrong($"\"steps\"[{index}] is not a non-empty string", text);
            }

            result.Add(step.GetString()!.Trim());
            index++;
        }

        return result.Count > 0 ? result : throw Wrong("\"steps\" is empty", text);
    }

    private static string FinalAnswer(JsonElement root, QaItem item, string text)
    {
        if (!root.TryGetProperty("final_answer", out var answer) || answer.ValueKind == JsonValueKind.Null)
        {
            throw Wrong("\"final_answer\" is missing", text);
        }

        var value = answer.ValueKind == JsonValueKind.String ? answer.GetString()!.Trim() : null;
        var option = value is null ? null : item.Options.Keys.FirstOrDefault(k => string.Equals(k, value, StringComparison.OrdinalIgnoreCase));
        return option ?? throw Wrong(
            $"\"final_answer\" is {answer.GetRawText()}, not one of the options {string.Join(", ", item.Options.Keys.Order(StringComparer.Ordinal))}",
            text);
    }

    private static LlmOutputException Wrong(string what, string text) =>
        new($"The model's answer is not rationale JSON: {what}: {Excerpt(text)}");

    /// <summary>The start of what came back, on one line, so the exception message stays short.</summary>
    internal static string Excerpt(string? text)
    {
        var line = (text ?? "").ReplaceLineEndings(" ").Trim();
        return line.Length <= ExcerptChars ? line : string.Concat(line.AsSpan(0, ExcerptChars), "…");
    }
}
