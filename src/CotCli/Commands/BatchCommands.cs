using System.CommandLine;
using System.Globalization;
using System.Net;
using CotCli.Api;
using CotCli.Output;
using Spectre.Console;

namespace CotCli.Commands;

/// <summary><c>cot batch submit | status | list</c>.</summary>
public static class BatchCommands
{
    public static Command Create(Connection connection)
    {
        var batch = new Command("batch", "Submit a batch of QA pairs, follow its progress, list batches");
        batch.Add(Submit(connection));
        batch.Add(Status(connection));
        batch.Add(List(connection));
        return batch;
    }

    private static Command Submit(Connection connection)
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The JSONL file: one QA pair per line" };
        var batchId = new Option<string?>("--batch-id") { Description = "The batch id (default: the server makes one)" };
        var watch = WatchOption("Then follow the batch until it is finished");
        var command = new Command("submit", "Upload a JSONL file as a new batch") { file, batchId, watch };
        command.SetApiAction(connection, async (parse, api, ct) =>
        {
            var path = InputException.Existing(parse.GetValue(file)!);

            var result = await api.SubmitBatchAsync(path, parse.GetValue(batchId), ct);
            var items = result.Items?.ToString(CultureInfo.InvariantCulture) ?? "?";
            Consoles.Out.MarkupLine(result.Duplicate == true
                ? $"Batch [bold]{Markup.Escape(result.BatchId)}[/] already has this upload ({items} items); nothing new was started."
                : $"Submitted batch [bold]{Markup.Escape(result.BatchId)}[/]: {items} items.");
            return parse.GetValue(watch) ? await Watcher(api).WatchAsync(result.BatchId, ct) : ExitCodes.Success;
        });
        return command;
    }

    private static Command Status(Connection connection)
    {
        var id = new Argument<string>("BATCH") { Description = "The batch id" };
        var watch = WatchOption("Follow the batch until it is finished");
        var command = new Command("status", "Show a batch: items counted by state, percent done, throughput, ETA") { id, watch };
        command.SetApiAction(connection, async (parse, api, ct) =>
        {
            var batchId = parse.GetValue(id)!;
            if (parse.GetValue(watch))
            {
                return await Watcher(api).WatchAsync(batchId, ct);
            }

            Consoles.Out.Write(StatusView.Render(await api.GetBatchAsync(batchId, ct)));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command List(Connection connection)
    {
        var command = new Command("list", "List the batches, newest first");
        command.SetApiAction(connection, async (_, api, ct) =>
        {
            List<BatchSummary> batches;
            try
            {
                batches = await api.ListBatchesAsync(ct);
            }
            catch (ApiException e) when (e.Status is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed)
            {
                ErrorView.Message(Consoles.Error, $"the server at {api.BaseAddress} cannot list batches ({e.Request} answered {e.StatusText}): it is older than this CLI.",
                    "Ask for one batch with: cot batch status BATCH");
                return ExitCodes.ServerError;
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumn("batch").AddColumn("status")
                .AddColumn(new TableColumn("finished").RightAligned()).AddColumn(new TableColumn("done").RightAligned()).AddColumn("created");
            foreach (var b in batches.OrderByDescending(b => b.CreatedAt))
            {
                table.AddRow(new Text(b.BatchId), new Text(b.Status ?? ""), new Text($"{b.Finished}/{b.Items}"),
                    new Text(Formats.Percent(b.PercentDone)), new Text(b.CreatedAt is { } at ? Formats.Time(at) : ""));
            }

            Consoles.Out.Write(table);
            Consoles.Out.WriteLine($"{batches.Count} batch(es).");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Option<bool> WatchOption(string description) => new("--watch", "-w") { Description = description };

    private static BatchWatcher Watcher(CotApiClient api) => new(api, Consoles.Out, Consoles.CanRedraw);
}
