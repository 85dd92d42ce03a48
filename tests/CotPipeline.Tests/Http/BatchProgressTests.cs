using CotPipeline.Domain;
using CotPipeline.Http;
using CotPipeline.Storage;

namespace CotPipeline.Tests.Http;

/// <summary>A batch's status, percent done, pace and predicted finish from its counters.</summary>
public sealed class BatchProgressTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static Dictionary<string, int> Counts(params (ItemState State, int Count)[] counts)
    {
        var all = Enum.GetValues<ItemState>().ToDictionary(s => s.Name(), _ => 0);
        foreach (var (state, count) in counts)
        {
            all[state.Name()] = count;
        }

        return all;
    }

    private static BatchRow Batch(string status, int items) => new() { RowKey = "b1", Status = status, ItemCount = items };

    [Fact]
    public void From_EveryFinalStateCounts_CancelledIncluded()
    {
        var progress = BatchProgress.From(Batch(BatchStatus.Running, 8),
            Counts((ItemState.Verified, 2), (ItemState.Excluded, 1), (ItemState.Failed, 1), (ItemState.Cancelled, 1), (ItemState.InReview, 3)));

        Assert.Equal(new BatchProgress(BatchStatus.Running, 8, 5, 62.5), progress);
    }

    [Fact]
    public void From_RunningWithEveryItemEnded_IsFinished()
    {
        Assert.Equal(BatchStatus.Finished, BatchProgress.From(Batch(BatchStatus.Running, 2), Counts((ItemState.Verified, 2))).Status);
        Assert.Equal(BatchStatus.Cancelled, BatchProgress.From(Batch(BatchStatus.Cancelled, 2), Counts((ItemState.Cancelled, 2))).Status);
    }

    [Fact]
    public void Pace_ItemsFinishedInTheWindow_PerMinuteAndTheFinishItPredicts()
    {
        var progress = BatchProgress.From(Batch(BatchStatus.Running, 5), Counts((ItemState.Verified, 3), (ItemState.InReview, 2)));

        var pace = progress.Pace(3, Now);

        Assert.Equal(new Throughput(10, 0.3, Now.AddSeconds(400), 400), pace);
    }

    [Theory]
    [InlineData(20, 1)]
    [InlineData(90, 2)]
    [InlineData(3_600, 10)]
    public void Pace_YoungBatch_MeasuredOverTheWholeMinutesItExisted(int ageSeconds, int window)
    {
        var progress = BatchProgress.From(Batch(BatchStatus.Running, 5), Counts((ItemState.Verified, 2), (ItemState.InReview, 3)));

        var pace = progress.Pace(2, Now, since: Now.AddSeconds(-ageSeconds));

        Assert.Equal((window, 2.0 / window), (pace.WindowMinutes, pace.FinishedPerMinute));
        Assert.Equal(Math.Round(3 / (2.0 / window) * 60), pace.EtaSeconds);
    }

    [Fact]
    public void Pace_NothingFinishedInTheWindow_NoEta()
    {
        var progress = BatchProgress.From(Batch(BatchStatus.Running, 5), Counts((ItemState.InReview, 5)));

        Assert.Equal(new Throughput(10, 0, null, null), progress.Pace(0, Now));
    }

    [Fact]
    public void Pace_FinishedOrCancelledBatch_NoEta()
    {
        var finished = BatchProgress.From(Batch(BatchStatus.Running, 2), Counts((ItemState.Verified, 2)));
        var cancelled = BatchProgress.From(Batch(BatchStatus.Cancelled, 4), Counts((ItemState.Cancelled, 1), (ItemState.InReview, 3)));

        Assert.Equal(new Throughput(10, 0.2, null, null), finished.Pace(2, Now));
        Assert.Null(cancelled.Pace(1, Now).Eta);
    }
}
