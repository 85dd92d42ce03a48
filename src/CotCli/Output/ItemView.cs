using System.Globalization;
using System.Text.Json;
using CotCli.Api;
using Spectre.Console;

namespace CotCli.Output;

/// <summary>
/// <c>cot item show</c>: an item's audit trail for a person to read — the QA pair, every rationale version, each round's
/// reviews and decision, how it ended, and assignments and e-mails when the server sends them. Absent parts are skipped.
/// </summary>
public static class ItemView
{
    public static void Render(IAnsiConsole console, ItemTrail trail)
    {
        console.Write(new Rule($"[bold]Item {Markup.Escape(trail.ItemId ?? trail.Item?.Id ?? "?")}[/] · batch {Markup.Escape(trail.BatchId ?? "?")}").LeftJustified());
        console.Write(KeyValues(
            ("state", trail.State),
            ("round", Show(trail.Round)),
            ("current version", Show(trail.CurrentVersion)),
            ("strikes", Show(trail.Strikes)),
            ("final version", Show(trail.FinalVersion)),
            ("reason", trail.Reason)));
        if (trail.Item is { } item)
        {
            RenderPair(console, item);
        }

        foreach (var version in trail.Versions ?? [])
        {
            RenderVersion(console, version);
        }

        var reviews = (trail.Reviews ?? []).Where(r => r.Review is not null).ToList();
        var decisions = trail.Decisions ?? [];
        foreach (var round in reviews.Select(r => r.Review!.Round).Concat(decisions.Select(d => d.Round)).Distinct().Order())
        {
            console.Write(new Rule($"[bold]Round {round}[/]").LeftJustified());
            foreach (var review in reviews.Where(r => r.Review!.Round == round))
            {
                RenderReview(console, review);
            }

            foreach (var decision in decisions.Where(d => d.Round == round))
            {
                RenderDecision(console, decision);
            }
        }

        if (trail.Final is { } final)
        {
            console.Write(new Rule("[bold]Final[/]").LeftJustified());
            console.Write(KeyValues(
                ("state", final.State),
                ("final version", Show(final.FinalVersion)),
                ("rounds", Show(final.Rounds)),
                ("adjudicated", final.Adjudicated is { } a ? YesNo(a) : null),
                ("reason", final.Reason),
                ("decided", Show(final.DecidedAt))));
        }

        RenderList(console, "Assignments", trail.Assignments);
        RenderList(console, "E-mails", trail.Emails);
    }

    private static void RenderPair(IAnsiConsole console, QaPair item)
    {
        console.Write(KeyValues(("department", item.Department), ("question", item.Question), ("answer", item.Answer)));
        foreach (var (key, text) in Options(item.Options))
        {
            var mark = key == item.Answer ? "  [green]✓ answer[/]" : "";
            console.MarkupLine($"  {Markup.Escape(key)}. {Markup.Escape(text)}{mark}");
        }
    }

    /// <summary>The options as (key, text): an object keyed A–Z, or an array lettered in order.</summary>
    public static IEnumerable<(string Key, string Text)> Options(JsonElement? options) => options switch
    {
        { ValueKind: JsonValueKind.Object } o => o.EnumerateObject().Select(p => (p.Name, JsonTable.Value(p.Value))),
        { ValueKind: JsonValueKind.Array } a => a.EnumerateArray().Select((v, i) => (((char)('A' + i)).ToString(), JsonTable.Value(v))),
        _ => [],
    };

    private static void RenderVersion(IAnsiConsole console, VersionEntry v)
    {
        console.Write(new Rule($"[bold]Version {v.Version}[/] · {Markup.Escape(v.Source ?? "?")}").LeftJustified());
        console.Write(KeyValues(
            ("parent", Show(v.ParentVersion)),
            ("author", v.AuthorId),
            ("critique of round", Show(v.CritiqueRound)),
            ("model", v.Model),
            ("prompt version", v.PromptVersion),
            ("tokens", v.Tokens is { } t && (t.Prompt != 0 || t.Completion != 0) ? $"{t.Prompt} prompt + {t.Completion} completion" : null),
            ("final answer", v.FinalAnswer),
            ("created", Show(v.CreatedAt))));
        // A grid, so a long step wraps under its own text and the numbers stay in a column.
        var steps = new Grid().AddColumn(new GridColumn().NoWrap().RightAligned().PadLeft(2).PadRight(1)).AddColumn();
        foreach (var (step, i) in (v.Steps ?? []).Select((s, i) => (s, i)))
        {
            steps.AddRow(new Text($"{i + 1}."), new Text(step));
        }

        console.Write(steps);

        if (!string.IsNullOrWhiteSpace(v.Critique))
        {
            console.MarkupLine("  [bold]critique[/]");
            foreach (var line in v.Critique.Split('\n'))
            {
                console.MarkupLine($"    {Markup.Escape(line.TrimEnd('\r'))}");
            }
        }
    }

    private static void RenderReview(IAnsiConsole console, ReviewEntry entry)
    {
        var r = entry.Review!;
        var counted = entry.Counted switch { true => "counted", false => "not counted", null => null };
        console.MarkupLine($"[bold]Review by {Markup.Escape(r.ReviewerId ?? "?")}[/] · {Markup.Escape(r.Verdict ?? "?")}"
            + $"{(counted is null ? "" : " · " + counted)} · rewrite: {YesNo(!string.IsNullOrWhiteSpace(r.Rewrite))}"
            + $"{(r.Version is { } v ? $" · version {v}" : "")}{(r.SubmittedAt is { } at ? $" · {Formats.Time(at)}" : "")}");
        var scores = r.Scores ?? [];
        var comments = r.Comments ?? [];
        if (scores.Count > 0)
        {
            var table = new Table().Border(TableBorder.Rounded).AddColumn("criterion").AddColumn(new TableColumn("score").RightAligned()).AddColumn("comment");
            foreach (var (criterion, score) in scores)
            {
                table.AddRow(new Text(criterion), new Text(score.ToString(CultureInfo.InvariantCulture)), new Text(comments.GetValueOrDefault(criterion) ?? ""));
            }

            console.Write(table);
        }

        // Comments on something other than a scored criterion (an overall remark) are not lost.
        foreach (var (key, comment) in comments.Where(c => !scores.ContainsKey(c.Key)))
        {
            console.MarkupLine($"  [bold]{Markup.Escape(key)}[/]: {Markup.Escape(comment)}");
        }
    }

    private static void RenderDecision(IAnsiConsole console, DecisionEntry d)
    {
        console.MarkupLine($"[bold]Decision[/] · {Markup.Escape(d.Outcome ?? "?")}{(d.DecidedAt is { } at ? $" · {Formats.Time(at)}" : "")}");
        console.Write(KeyValues(
            ("medians", d.Medians is { Count: > 0 } m ? string.Join(", ", m.Select(p => $"{p.Key} {Formats.Number(p.Value)}")) : null),
            ("reviewers", d.Reviewers is { Count: > 0 } rs ? string.Join(", ", rs) : null),
            ("rewrite by", d.RewriteBy)));
        foreach (var reason in d.Reasons ?? [])
        {
            console.MarkupLine($"  - {Markup.Escape(reason)}");
        }
    }

    private static void RenderList(IAnsiConsole console, string title, JsonElement? list)
    {
        if (JsonTable.From(list) is { } table)
        {
            console.Write(new Rule($"[bold]{title}[/]").LeftJustified());
            console.Write(table);
        }
    }

    /// <summary>Label/value rows, leaving out the values that are absent.</summary>
    private static Grid KeyValues(params (string Label, string? Value)[] rows)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadLeft(2).PadRight(2)).AddColumn();
        foreach (var (label, value) in rows.Where(r => !string.IsNullOrEmpty(r.Value)))
        {
            grid.AddRow(new Markup($"[bold]{label}[/]"), new Text(value!));
        }

        return grid;
    }

    private static string? Show(int? value) => value?.ToString(CultureInfo.InvariantCulture);

    private static string? Show(DateTimeOffset? value) => value is { } v ? Formats.Time(v) : null;

    private static string YesNo(bool value) => value ? "yes" : "no";
}
