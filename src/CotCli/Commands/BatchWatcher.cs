using System.Globalization;
using System.Net;
using CotCli.Api;
using CotCli.Output;
using Spectre.Console;

namespace CotCli.Commands;

/// <summary>
/// Polls a batch's status until it is finished or cancelled: a live progress bar on a terminal, one line per change
/// when output goes to a file or a pipe; then the status table. Watching never changes the batch.
/// </summary>
public sealed class BatchWatcher(CotApiClient api, IAnsiConsole console, bool redraw)
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    /// <summary>How long the API may stay unreachable or failing (5xx) before the watch gives up.</summary>
    public static readonly TimeSpan OutageTolerance = TimeSpan.FromMinutes(1);

    public async Task<int> WatchAsync(string batchId, CancellationToken ct)
    {
        try
        {
            var status = redraw ? await WithProgressBarAsync(batchId, ct) : await WithLinesAsync(batchId, ct);
            console.WriteLine();
            console.Write(StatusView.Render(status));
            return ExitCodes.Success;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            ErrorView.Notice(Consoles.Error, $"Stopped watching; batch {batchId} goes on on the server.",
                $"Watch it again with: cot batch status {batchId} --watch");
            return ExitCodes.Interrupted;
        }
    }

    private Task<BatchStatus> WithProgressBarAsync(string batchId, CancellationToken ct) =>
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask(Markup.Escape(batchId));
                return await PollAsync(batchId, status =>
                {
                    task.MaxValue = Math.Max(status.Items, 1);
                    task.Value = status.Finished;
                    task.Description = Markup.Escape(StatusView.ProgressLine(status));
                    if (status.IsOver)
                    {
                        task.StopTask();
                    }
                }, ct);
            });

    private Task<BatchStatus> WithLinesAsync(string batchId, CancellationToken ct)
    {
        string? last = null;
        return PollAsync(batchId, status =>
        {
            var line = StatusView.ProgressLine(status);
            if (line != last)
            {
                // Straight to the writer: one unwrapped line per change, for logs and grep.
                console.Profile.Out.Writer.WriteLine($"{DateTimeOffset.UtcNow.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} {line}");
                last = line;
            }
        }, ct);
    }

    private async Task<BatchStatus> PollAsync(string batchId, Action<BatchStatus> show, CancellationToken ct)
    {
        DateTimeOffset? failingSince = null;
        while (true)
        {
            BatchStatus status;
            try
            {
                status = await api.GetBatchAsync(batchId, ct);
                failingSince = null;
            }
            catch (Exception e) when (IsTransient(e) && !ct.IsCancellationRequested)
            {
                // A host restarting or a network blip should not end a watch of hours; a lasting outage does.
                failingSince ??= DateTimeOffset.UtcNow;
                if (DateTimeOffset.UtcNow - failingSince > OutageTolerance)
                {
                    throw;
                }

                await Task.Delay(PollInterval, ct);
                continue;
            }

            show(status);
            if (status.IsOver)
            {
                return status;
            }

            await Task.Delay(PollInterval, ct);
        }
    }

    private static bool IsTransient(Exception e) =>
        e is HttpRequestException or TimeoutException || e is ApiException { Status: >= HttpStatusCode.InternalServerError };
}
