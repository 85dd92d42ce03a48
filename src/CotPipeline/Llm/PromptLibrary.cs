using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using CotPipeline.Domain;

namespace CotPipeline.Llm;

/// <summary>The two chat messages of one rendered prompt, and the prompt version they came from.</summary>
public sealed record RenderedPrompt(string Version, string System, string User);

/// <summary>Loads versioned prompt files (embedded <c>Prompts/{version}.md</c>) and renders them for a request.</summary>
public sealed partial class PromptLibrary
{
    private const string ResourcePrefix = "CotPipeline.Prompts.";
    private const string None = "(none)";
    private static readonly string[] Placeholders = ["question", "options", "answer", "rubric", "previous", "critique", "gate_feedback"];

    private readonly ConcurrentDictionary<string, PromptTemplate> _templates = new(StringComparer.Ordinal);

    /// <summary>Prompt versions this build carries, e.g. <c>rationale-v1</c>.</summary>
    public static IReadOnlyList<string> Versions { get; } = typeof(PromptLibrary).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".md", StringComparison.Ordinal))
        .Select(n => n[ResourcePrefix.Length..^".md".Length])
        .Order(StringComparer.Ordinal)
        .ToList();

    /// <summary>Renders the system and user messages for <paramref name="request"/> with its prompt version.</summary>
    /// <exception cref="ArgumentException">The prompt version does not exist.</exception>
    public RenderedPrompt Render(RationaleRequest request)
    {
        var template = _templates.GetOrAdd(request.PromptVersion, Load);
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["question"] = request.Item.Question.Trim(),
            ["options"] = string.Join('\n', OrderedOptions(request.Item).Select(o => $"{o.Key}. {o.Value}")),
            ["answer"] = request.Item.Answer,
            ["rubric"] = string.Join('\n', request.Rubric.Select(c => $"- {c.Name}: {c.Description}")),
            ["previous"] = request.Previous is { } p ? RationaleText.Format(p.Steps) + $"\nFinal answer: {p.FinalAnswer}" : None,
            ["critique"] = FormatCritique(request),
            ["gate_feedback"] = request.GateFeedback is { Count: > 0 } g ? string.Join('\n', g.Select(f => $"- {f}")) : None,
        };

        var isRevision = request.Previous is not null || request.Critique is { Count: > 0 } || request.GateFeedback is { Count: > 0 };
        var user = isRevision && template.Revision.Length > 0 ? $"{template.User}\n\n{template.Revision}" : template.User;
        return new RenderedPrompt(request.PromptVersion, Fill(template.System, values), Fill(user, values));
    }

    /// <summary>Options in key order, so the same item always renders the same prompt.</summary>
    internal static IEnumerable<KeyValuePair<string, string>> OrderedOptions(QaItem item) =>
        item.Options.OrderBy(o => o.Key, StringComparer.Ordinal);

    /// <summary>
    /// Each reviewer's scores and comments per rubric criterion. Reviewers are numbered, not named:
    /// their identities have no business in a prompt.
    /// </summary>
    private static string FormatCritique(RationaleRequest request)
    {
        if (request.Critique is not { Count: > 0 } critique)
        {
            return None;
        }

        var rubricIds = request.Rubric.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var text = new StringBuilder();
        for (var i = 0; i < critique.Count; i++)
        {
            var entry = critique[i];
            text.Append($"Reviewer {i + 1} (verdict: {entry.Verdict}):\n");
            var criteria = request.Rubric
                .Select(c => (c.Id, c.Name, Max: (int?)c.ScaleMax))
                .Concat(entry.Scores.Keys.Concat(entry.Comments.Keys).Where(id => !rubricIds.Contains(id))
                    .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(id => (Id: id, Name: id, Max: (int?)null)));
            foreach (var (id, name, max) in criteria)
            {
                var hasScore = entry.Scores.TryGetValue(id, out var score);
                var hasComment = entry.Comments.TryGetValue(id, out var comment) && !string.IsNullOrWhiteSpace(comment);
                if (!hasScore && !hasComment)
                {
                    continue;
                }

                text.Append($"- {name}: ");
                text.Append(hasScore ? (max is { } m ? $"{score}/{m}" : $"{score}") : "not scored");
                text.Append(hasComment ? $". {comment!.Trim()}\n" : "\n");
            }
        }

        return text.ToString().TrimEnd('\n');
    }

    private static PromptTemplate Load(string version)
    {
        if (!VersionName().IsMatch(version) || !Versions.Contains(version, StringComparer.Ordinal))
        {
            throw new ArgumentException(
                $"Prompt version \"{version}\" does not exist; available: {string.Join(", ", Versions)}.", nameof(version));
        }

        using var stream = typeof(PromptLibrary).Assembly.GetManifestResourceStream($"{ResourcePrefix}{version}.md")!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return PromptTemplate.Parse(version, reader.ReadToEnd());
    }

    /// <summary>Replaces each placeholder once; text that was put in is not scanned again.</summary>
    private static string Fill(string template, Dictionary<string, string> values) =>
        Placeholder().Replace(template, m => values[m.Groups[1].Value]);

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]*$")]
    private static partial Regex VersionName();

    [GeneratedRegex(@"\{\{([a-z_]+)\}\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^<!-- section: ([a-z]+) -->\n", RegexOptions.Multiline)]
    private static partial Regex SectionMarker();

    private sealed record PromptTemplate(string System, string User, string Revision)
    {
        public static PromptTemplate Parse(string version, string text)
        {
            text = text.Replace("\r\n", "\n", StringComparison.Ordinal);
            var markers = SectionMarker().Matches(text);
            var sections = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < markers.Count; i++)
            {
                var start = markers[i].Index + markers[i].Length;
                var end = i + 1 < markers.Count ? markers[i + 1].Index : text.Length;
                sections[markers[i].Groups[1].Value] = text[start..end].Trim('\n');
            }

            foreach (var name in new[] { "system", "user" })
            {
                if (!sections.ContainsKey(name))
                {
                    throw new InvalidOperationException($"Prompt {version}.md has no \"<!-- section: {name} -->\" section.");
                }
            }

            var unknown = sections.Values.SelectMany(s => Placeholder().Matches(s)).Select(m => m.Groups[1].Value)
                .Where(p => !Placeholders.Contains(p)).Distinct().ToList();
            if (unknown.Count > 0)
            {
                throw new InvalidOperationException(
                    $"Prompt {version}.md uses unknown placeholders {string.Join(", ", unknown)}; known: {string.Join(", ", Placeholders)}.");
            }

            return new PromptTemplate(sections["system"], sections["user"], sections.GetValueOrDefault("revision", ""));
        }
    }
}
