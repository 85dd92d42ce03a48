using System.CommandLine;
using System.Globalization;
using System.Net;
using CotCli.Api;
using CotCli.Output;
using Spectre.Console;

namespace CotCli.Commands;

/// <summary><c>cot export BATCH --out DIR</c>: exports the batch now and downloads every file of the export into DIR.</summary>
public static class ExportCommand
{
    public static Command Create(Connection connection)
    {
        var batchId = new Argument<string>("BATCH") { Description = "The batch id" };
        var output = new Option<DirectoryInfo>("--out", "-o")
        {
            Description = "The folder the files are written to (made if missing; files of the same name are replaced)",
            Required = true,
        };
        var command = new Command("export", "Export a batch (dataset, training view, exclusions, agreement, dataset card) and download it") { batchId, output };
        command.SetApiAction(connection, async (parse, api, ct) =>
        {
            var batch = parse.GetValue(batchId)!;
            var folder = parse.GetValue(output)!;
            try
            {
                folder.Create();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new InputException($"cannot make the folder {folder.FullName}: {e.Message}");
            }

            var export = await api.CreateExportAsync(batch, ct);
            var table = new Table().Border(TableBorder.Rounded).AddColumn("file")
                .AddColumn(new TableColumn("size").RightAligned()).AddColumn(new TableColumn("lines").RightAligned());
            foreach (var file in export.Files)
            {
                var written = await DownloadAsync(api, export, file, folder, ct);
                table.AddRow(new Text(file.Name), new Text(Formats.Size(written)), new Text(file.Lines?.ToString(CultureInfo.InvariantCulture) ?? "—"));
            }

            Consoles.Out.MarkupLine($"Export [bold]{Markup.Escape(export.ExportId)}[/] of batch [bold]{Markup.Escape(batch)}[/] written to {Markup.Escape(folder.FullName)}");
            Consoles.Out.Write(table);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Streams one file to disk (through a temporary name, so a broken download leaves no partial file) and checks its size.</summary>
    private static async Task<long> DownloadAsync(CotApiClient api, ExportResult export, ExportedFile file, DirectoryInfo folder, CancellationToken ct)
    {
        // The names come from the server: only a plain file name may be written, never a path outside the folder.
        if (Path.GetFileName(file.Name) != file.Name || file.Name is "" or "." or "..")
        {
            throw new ApiException($"POST /api/batches/{export.BatchId}/exports", HttpStatusCode.OK, null, null,
                $"an export file named \"{file.Name}\", which is not a plain file name; nothing was written for it");
        }

        var path = Path.Combine(folder.FullName, file.Name);
        var partial = path + ".part";
        try
        {
            long written;
            await using (var target = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                await api.DownloadExportFileAsync(export.BatchId, export.ExportId, file.Name, target, ct);
                written = target.Length;
            }

            if (written != file.Bytes)
            {
                throw new HttpRequestException($"{file.Name}: received {written} bytes, the export lists {file.Bytes}.");
            }

            File.Move(partial, path, overwrite: true);
            return written;
        }
        finally
        {
            File.Delete(partial);
        }
    }
}
