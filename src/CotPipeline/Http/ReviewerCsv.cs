using System.Globalization;
using CotPipeline.Intake;
using CotPipeline.Storage;

namespace CotPipeline.Http;

/// <summary>One data row of a reviewer CSV: its line, the reviewer read from it (null when unreadable) and what could not be read.</summary>
public sealed record ReviewerCsvRow(int Line, ReviewerDto? Reviewer, IReadOnlyList<string> Problems);

/// <summary>A reviewer CSV: the header's problems (then no rows are read) or every data row.</summary>
public sealed record ReviewerCsvResult(IReadOnlyList<LineError> HeaderErrors, IReadOnlyList<ReviewerCsvRow> Rows);

/// <summary>
/// The CSV form of <c>POST /api/reviewers</c>: a header row naming the columns (any order, any case), then one reviewer
/// per row. Departments are separated by '|' or ';' inside their cell; an empty cell or a missing optional column
/// takes the default of the JSON form. Checks of the values themselves are the JSON form's (see <see cref="ReviewerApi"/>).
/// </summary>
public static class ReviewerCsv
{
    public static readonly IReadOnlyList<string> Columns = ["id", "name", "email", "departments", "capacity", "adjudicator", "active"];
    private static readonly string[] Required = ["id", "name", "email", "departments"];

    public static ReviewerCsvResult Parse(ReadOnlySpan<byte> utf8)
    {
        var (text, badLine) = CsvRecords.Decode(utf8);
        if (text is null)
        {
            return new([new LineError(badLine, IntakeParser.NotUtf8)], []);
        }

        var records = CsvRecords.Read(text);
        if (records.Count == 0)
        {
            return new([new LineError(1, $"the header row is missing; the first line names the columns: {string.Join(',', Columns)}")], []);
        }

        var header = records[0];
        var columns = header.Fields.Select(f => f.Trim().ToLowerInvariant()).ToArray();
        var errors = HeaderProblems(header, columns).Select(p => new LineError(header.Line, p)).ToList();
        return errors.Count > 0 ? new(errors, []) : new([], [.. records.Skip(1).Select(r => ReadRow(r, columns))]);
    }

    private static IEnumerable<string> HeaderProblems(CsvRecord header, string[] columns)
    {
        if (header.Error is not null)
        {
            yield return header.Error;
            yield break;
        }

        for (var i = 0; i < columns.Length; i++)
        {
            if (columns[i].Length == 0)
            {
                yield return $"column {i + 1} of the header has no name";
            }
            else if (!Columns.Contains(columns[i]))
            {
                yield return $"unknown column \"{Ids.Shorten(header.Fields[i].Trim())}\"; the columns are {string.Join(", ", Columns)}";
            }
            else if (Array.IndexOf(columns, columns[i]) < i)
            {
                yield return $"column \"{columns[i]}\" appears more than once";
            }
        }

        foreach (var missing in Required.Where(r => !columns.Contains(r)))
        {
            yield return $"column \"{missing}\" is missing; {string.Join(", ", Required[..^1])} and {Required[^1]} are required";
        }
    }

    private static ReviewerCsvRow ReadRow(CsvRecord record, string[] columns)
    {
        if (record.Error is not null)
        {
            return new(record.Line, null, [record.Error]);
        }

        if (record.Fields.Count != columns.Length)
        {
            return new(record.Line, null, [$"{record.Fields.Count} field(s), but the header names {columns.Length} columns"]);
        }

        string? Cell(string column) => Array.IndexOf(columns, column) is var i and >= 0 ? record.Fields[i] : null;

        var problems = new List<string>();
        var reviewer = new ReviewerDto(
            Cell("id"),
            Cell("name"),
            Cell("email"),
            Cell("departments")?.Split(['|', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList(),
            Number("capacity", Cell("capacity"), problems),
            Flag("adjudicator", Cell("adjudicator"), problems),
            Flag("active", Cell("active"), problems));
        return new(record.Line, reviewer, problems);
    }

    private static int? Number(string column, string? cell, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(cell))
        {
            return null;
        }

        if (int.TryParse(cell.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        problems.Add($"\"{column}\" is \"{Ids.Shorten(cell)}\"; write a whole number (or leave it empty)");
        return null;
    }

    private static bool? Flag(string column, string? cell, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(cell))
        {
            return null;
        }

        if (bool.TryParse(cell.Trim(), out var value))
        {
            return value;
        }

        problems.Add($"\"{column}\" is \"{Ids.Shorten(cell)}\"; write true or false (or leave it empty)");
        return null;
    }
}
