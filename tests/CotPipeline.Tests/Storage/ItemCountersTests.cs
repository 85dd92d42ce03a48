using CotPipeline.Domain;
using CotPipeline.Storage;

namespace CotPipeline.Tests.Storage;

/// <summary>What one item's change does to its batch's counters.</summary>
public sealed class ItemCountersTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 10, 0, 20, TimeSpan.Zero);
    private static readonly int Shard = ItemCounters.ShardOf("q1");

    [Fact]
    public void Changes_PendingToInReview_MovesTheStateCountAndLeavesTheIdleMinute()
    {
        var changes = ItemCounters.Changes("q1", ItemState.Pending, T0, ItemState.InReview, T0.AddMinutes(3));

        Assert.Equal(
        [
            new(ItemCounters.RowKey(Shard), "Pending", -1),
            new(ItemCounters.RowKey(Shard), "InReview", 1),
            new($"~idle-202601011000-{Shard:D2}", "Count", -1),
        ], changes);
    }

    [Fact]
    public void Changes_InReviewToVerified_CountsAFinishInItsMinute()
    {
        var changes = ItemCounters.Changes("q1", ItemState.InReview, T0, ItemState.Verified, T0.AddMinutes(61));

        Assert.Contains(new ItemCounters.Change($"~done-202601011101-{Shard:D2}", "Count", 1), changes);
        Assert.DoesNotContain(changes, c => c.RowKey.StartsWith(ItemCounters.IdlePrefix, StringComparison.Ordinal));
    }

    [Fact]
    public void Changes_AwaitingReviewerTouchedAgain_MovesToTheNewMinuteOnly()
    {
        var later = ItemCounters.Changes("q1", ItemState.AwaitingReviewer, T0, ItemState.AwaitingReviewer, T0.AddMinutes(2));
        var sameMinute = ItemCounters.Changes("q1", ItemState.AwaitingReviewer, T0, ItemState.AwaitingReviewer, T0.AddSeconds(30));

        Assert.Equal([new($"~idle-202601011000-{Shard:D2}", "Count", -1), new($"~idle-202601011002-{Shard:D2}", "Count", 1)], later);
        Assert.Empty(sameMinute);
    }

    [Fact]
    public void Changes_FailedRetriedToPending_IsNoFinishButIdleAgain()
    {
        var changes = ItemCounters.Changes("q1", ItemState.Failed, T0, ItemState.Pending, T0.AddMinutes(5));

        Assert.DoesNotContain(changes, c => c.RowKey.StartsWith(ItemCounters.DonePrefix, StringComparison.Ordinal));
        Assert.Contains(new ItemCounters.Change($"~idle-202601011005-{Shard:D2}", "Count", 1), changes);
    }

    [Fact]
    public void Changes_PendingCancelled_FinishesAndLeavesTheIdleMinute()
    {
        var changes = ItemCounters.Changes("q1", ItemState.Pending, T0, ItemState.Cancelled, T0.AddMinutes(1));

        Assert.Contains(new ItemCounters.Change($"~done-202601011001-{Shard:D2}", "Count", 1), changes);
        Assert.Contains(new ItemCounters.Change($"~idle-202601011000-{Shard:D2}", "Count", -1), changes);
    }

    [Theory]
    [InlineData("q1")]
    [InlineData("~counts-03")]
    [InlineData("~done-202601011000-03")]
    [InlineData("~idle-202601011000-03")]
    public void IsItem_CounterRowsAreNeverItems(string rowKey)
    {
        Assert.Equal(!rowKey.StartsWith('~'), ItemCounters.IsItem(rowKey));
    }
}
