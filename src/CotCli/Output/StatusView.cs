using System.Globalization;
using System.Text.Json;
using CotCli.Api;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace CotCli.Output;

/// <summary>A batch's status as a table (<c>cot batch status</c>, the end of a watch) and as one plain progress line.</summary>
public static class StatusView
{
    /// <summary>The facts of the batch (status, progress, throughput, ETA, attention) and its items counted by state.</summary>
    public static IRenderable Render(BatchStatus status)
    {
        var facts = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();
        foreach (var (label, value) in Facts(status))
        {
            facts.AddRow(new Markup($"[bold]{label}[/]"), new Text(value));
        }

        var counts = new Table().Border(TableBorder.Rounded)
            .AddColumn("state").AddColumn(new TableColumn("items").RightAligned()).AddColumn(new TableColumn("share").RightAligned());
        foreach (var (state, n) in status.Counts ?? [])
        {
            counts.AddRow(Markup.Escape(state), n.ToString(CultureInfo.InvariantCulture),
                status.Items == 0 ? "—" : Formats.Percent(100.0 * n / status.Items));
        }

        return new Rows(facts, counts);
    }

    /// <summary>Label and value of each fact the status carries; optional ones are left out when the server did not send them.</summary>
    public static IEnumerable<(string Label, string Value)> Facts(BatchStatus status)
    {
        yield return ("batch", status.BatchId);
        yield return ("status", status.Status ?? "unknown");
        yield return ("finished", $"{status.Finished}/{status.Items} ({Formats.Percent(status.PercentDone)})");
        if (status.CreatedAt is { } created)
        {
            yield return ("created", Formats.Time(created));
        }

        if (ThroughputText(status) is { } throughput)
        {
            yield return ("throughput", throughput);
        }

        if (EtaText(status) is { } eta)
        {
            yield return ("eta", eta);
        }

        if (status.Attention is not null)
        {
            yield return ("attention", AttentionText(status.Attention));
        }
    }

    /// <summary>
    /// One line for logs and pipes: <c>demo: running, 3/8 finished (37.5%) · in-review 5, verified 3 · 2.4 items/min · eta 4m 10s</c>.
    /// </summary>
    public static string ProgressLine(BatchStatus status)
    {
        var parts = new List<string> { $"{status.BatchId}: {status.Status ?? "unknown"}, {status.Finished}/{status.Items} finished ({Formats.Percent(status.PercentDone)})" };
        var counts = CountsText(status);
        if (counts.Length > 0)
        {
            parts.Add(counts);
        }

        if (status.Throughput?.FinishedPerMinute is { } perMinute)
        {
            parts.Add($"{Formats.Number(perMinute)} items/min");
        }

        if (EtaText(status) is { } eta)
        {
            parts.Add($"eta {eta}");
        }

        return string.Join(" · ", parts);
    }

    /// <summary>The non-zero counts by state, in the server's order: <c>in-review 5, verified 3</c>.</summary>
    public static string CountsText(BatchStatus status) =>
        string.Join(", ", (status.Counts ?? []).Where(c => c.Value != 0).Select(c => $"{c.Key} {c.Value}"));

    public static string? ThroughputText(BatchStatus status) => status.Throughput switch
    {
        { FinishedPerMinute: { } perMinute, WindowMinutes: { } window } => $"{Formats.Number(perMinute)} items/min over the last {Formats.Number(window)} min",
        { FinishedPerMinute: { } perMinute } => $"{Formats.Number(perMinute)} items/min",
        _ => null,
    };

    /// <summary>The time left (from <c>etaSeconds</c>) and, when <c>eta</c> is a time, when that is; null when neither is known.</summary>
    public static string? EtaText(BatchStatus status)
    {
        DateTimeOffset? at = status.Eta is { ValueKind: JsonValueKind.String } e
            && DateTimeOffset.TryParse(e.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : null;
        var left = status.EtaSeconds is { } seconds ? Formats.Duration(TimeSpan.FromSeconds(seconds)) : null;
        return (left, at) switch
        {
            ({ } l, { } a) => $"{l} (about {Formats.Time(a)})",
            ({ } l, null) => l,
            (null, { } a) => $"about {Formats.Time(a)}",
            _ => status.Eta is { ValueKind: JsonValueKind.String } raw && raw.GetString() is { Length: > 0 } text ? text : null,
        };
    }

    /// <summary>What needs a person, e.g. <c>awaiting-reviewer 2, stuck 1</c>; "nothing" when every figure is zero.</summary>
    public static string AttentionText(IReadOnlyDictionary<string, JsonElement> attention)
    {
        var parts = attention
            .Select(a => (Name: JsonNamingPolicy.KebabCaseLower.ConvertName(a.Key), Value: a.Value))
            .Select(a => a.Value.ValueKind switch
            {
                JsonValueKind.Number => a.Value.GetDouble() == 0 ? null : $"{a.Name} {Formats.Number(a.Value.GetDouble())}",
                JsonValueKind.Array => a.Value.GetArrayLength() == 0 ? null : $"{a.Name} {a.Value.GetArrayLength()}",
                JsonValueKind.Null or JsonValueKind.False => null,
                JsonValueKind.String => $"{a.Name} {a.Value.GetString()}",
                _ => $"{a.Name} {a.Value.GetRawText()}",
            })
            .OfType<string>()
            .ToList();
        return parts.Count == 0 ? "nothing" : string.Join(", ", parts);
    }
}
