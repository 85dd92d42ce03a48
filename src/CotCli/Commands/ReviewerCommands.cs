using System.CommandLine;
using CotCli.Output;
using Spectre.Console;

namespace CotCli.Commands;

/// <summary><c>cot reviewers import FILE</c>: adds or updates reviewers from a CSV file or a JSON array.</summary>
public static class ReviewerCommands
{
    public static Command Create(Connection connection)
    {
        var file = new Argument<FileInfo>("FILE") { Description = "reviewers.csv (header: id,name,email,departments[,capacity,adjudicator,active]) or reviewers.json (an array)" };
        var import = new Command("import", "Add or update reviewers; nothing is stored when any entry is bad") { file };
        import.SetApiAction(connection, async (parse, api, ct) =>
        {
            var path = InputException.Existing(parse.GetValue(file)!);

            var mediaType = path.Extension.ToLowerInvariant() switch
            {
                ".csv" => "text/csv",
                ".json" => "application/json",
                _ => throw new InputException($"{path.Name}: use a .csv file or a .json file (a JSON array of reviewers)."),
            };
            var result = await api.ImportReviewersAsync(path, mediaType, ct);
            Consoles.Out.WriteLine($"Stored {result.Stored} reviewer(s) from {path.Name}.");
            return ExitCodes.Success;
        });
        return new Command("reviewers", "Manage the reviewer registry") { import };
    }
}
