using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace CotCli.Output;

/// <summary>
/// A JSON array of flat objects as a table, columns in order of first appearance: for parts of the audit trail whose
/// shape the CLI does not fix (assignments, e-mails), so new fields show up without a new CLI.
/// </summary>
public static class JsonTable
{
    /// <summary>The table, or null when <paramref name="array"/> is absent, empty or not an array.</summary>
    public static Table? From(JsonElement? array)
    {
        if (array is not { ValueKind: JsonValueKind.Array } rows || rows.GetArrayLength() == 0)
        {
            return null;
        }

        var columns = rows.EnumerateArray()
            .SelectMany(r => r.ValueKind == JsonValueKind.Object ? r.EnumerateObject().Select(p => p.Name) : ["value"])
            .Distinct()
            .ToList();
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in columns)
        {
            table.AddColumn(Markup.Escape(column));
        }

        foreach (var row in rows.EnumerateArray())
        {
            table.AddRow(columns.Select(c => new Text(Cell(row, c))).ToArray());
        }

        return table;
    }

    private static string Cell(JsonElement row, string column)
    {
        if (row.ValueKind != JsonValueKind.Object)
        {
            return column == "value" ? Value(row) : "";
        }

        return row.TryGetProperty(column, out var value) ? Value(value) : "";
    }

    /// <summary>A JSON value as text: strings as they are (times in UTC), null as "—", the rest as compact JSON.</summary>
    public static string Value(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String when value.GetString() is { } s && LooksLikeTime(s, out var time) => Formats.Time(time),
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Null or JsonValueKind.Undefined => "—",
        _ => value.GetRawText(),
    };

    private static bool LooksLikeTime(string text, out DateTimeOffset time)
    {
        time = default;
        // Only ISO 8601 date-times ("2026-01-31T…"): ids and free text that merely parse as dates stay as they are.
        return text.Length >= 19 && text[4] == '-' && text[10] == 'T'
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time);
    }
}
