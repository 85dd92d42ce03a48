using CotPipeline.Domain;
using CotPipeline.Storage;

namespace CotPipeline.Http;

/// <summary>Where a batch stands, from its stored status and its items counted by state (the same in the list and in one batch's status).</summary>
public sealed record BatchProgress(string Status, int Items, int Finished, double PercentDone)
{
    /// <summary>The window of <see cref="Throughput"/>.</summary>
    public const int WindowMinutes = 10;

    public static BatchProgress From(BatchRow batch, IReadOnlyDictionary<string, int> counts)
    {
        var finished = Enum.GetValues<ItemState>().Where(s => s.IsFinal()).Sum(s => counts.GetValueOrDefault(s.Name()));
        var status = batch.Status == BatchStatus.Running && finished == batch.ItemCount ? BatchStatus.Finished : batch.Status;
        var percent = batch.ItemCount == 0 ? 100 : Math.Round(100.0 * finished / batch.ItemCount, 1);
        return new BatchProgress(status, batch.ItemCount, finished, percent);
    }

    /// <summary>True when no item of the batch will move any more by itself: finished, or cancelled by the operator.</summary>
    public bool Over => Status is BatchStatus.Finished or BatchStatus.Cancelled || Finished >= Items;

    /// <summary>
    /// Items finished per minute over the last <see cref="WindowMinutes"/> minutes — or, for a batch younger than that, over
    /// the whole minutes since <paramref name="since"/> (its start), so a fast young batch is not averaged over time it did not
    /// exist — and when the rest would be done at that pace: none when nothing finished in the window or the batch is over.
    /// </summary>
    public Throughput Pace(int finishedInWindow, DateTimeOffset now, DateTimeOffset? since = null)
    {
        var window = since is { } start ? (int)Math.Clamp(Math.Ceiling((now - start).TotalMinutes), 1, WindowMinutes) : WindowMinutes;
        var perMinute = (double)finishedInWindow / window;
        if (perMinute <= 0 || Over)
        {
            return new Throughput(window, perMinute, null, null);
        }

        var seconds = Math.Round((Items - Finished) / perMinute * 60);
        return new Throughput(window, perMinute, now.AddSeconds(seconds), seconds);
    }
}

/// <summary>A batch's recent pace and the finish it predicts.</summary>
public sealed record Throughput(int WindowMinutes, double FinishedPerMinute, DateTimeOffset? Eta, double? EtaSeconds);
