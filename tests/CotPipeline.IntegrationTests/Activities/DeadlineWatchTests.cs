using Azure.Data.Tables;
using CotPipeline.Activities;
using CotPipeline.Constants;
using CotPipeline.Domain;
using CotPipeline.IntegrationTests.Infrastructure;
using CotPipeline.Models;
using CotPipeline.Storage;
using Microsoft.DurableTask.Client;
using Moq;

namespace CotPipeline.IntegrationTests.Activities;

/// <summary>
/// The storage side of review deadlines on Azurite: the rows items arm (by assigning, or on their own), and one look of the batch's
/// deadline watch — what it raises, to whom, what it forgets, and when it reports the batch over.
/// </summary>
public sealed class DeadlineWatchTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly DateTime Future = new(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Past = new(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static WatchDeadlinesInput Watch(string batchId = "b1") => new(batchId, TimeSpan.FromMinutes(1));

    private static async Task<List<DeadlineRow>> ArmedAsync(StoreScenario s, string batchId = "b1")
    {
        var rows = new List<DeadlineRow>();
        await foreach (var row in s.Store.Items.QueryAsync<DeadlineRow>(
            TableClient.CreateQueryFilter($"PartitionKey eq {batchId} and RowKey ge {ReviewDeadlines.Prefix} and RowKey lt {"~due."}")))
        {
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>A batch whose counters show its items open, with item rows in the given states and rounds.</summary>
    private async Task<StoreScenario> BatchAsync(params (string Id, ItemState State, int Round)[] items)
    {
        var s = new StoreScenario(azurite);
        await s.Store.EnsureCreatedAsync();
        foreach (var counter in ItemCounters.Initial("b1", items.Select(i => i.Id), DateTimeOffset.UtcNow))
        {
            await s.Store.Items.UpsertEntityAsync(counter);
        }

        foreach (var (id, state, round) in items)
        {
            await s.Store.Items.UpsertEntityAsync(new ItemRow { PartitionKey = "b1", RowKey = id, Department = "x", State = state.Name(), Round = round });
        }

        return s;
    }

    [Fact]
    public async Task AssignReviewers_ArmDeadline_ArmsTheRoundsDeadlineOnlyWhenSomeoneWasAssigned()
    {
        var s = await new StoreScenario(azurite).WithItemAsync();
        await s.WithReviewerAsync("r1");
        var assign = new AssignReviewers(s.Store, TimeProvider.System);

        Assert.Empty(await assign.RunAsync(new AssignReviewersInput("b1", "q1", 1, 1, 1, ["r1"], Future, false, ArmDeadline: true)));
        Assert.Empty(await ArmedAsync(s));

        Assert.Equal(["r1"], await assign.RunAsync(new AssignReviewersInput("b1", "q1", 1, 1, 1, [], Future, false, ArmDeadline: true)));
        var armed = Assert.Single(await ArmedAsync(s));
        Assert.Equal(("q1", 1, Future), (armed.ItemId, armed.Round, armed.Due));
    }

    [Fact]
    public async Task AssignReviewers_ArmDeadlineWhenTheItemsRowHasMovedOn_ArmedAllTheSameAndTheRowLeftAsItIs()
    {
        // The deadline goes in the transaction of the item's change; a copy of the step whose change is refused as stale (the row
        // is at a later round) still arms it, by itself, as it did before the two were written together.
        var s = await new StoreScenario(azurite).WithItemAsync();
        await s.WithReviewerAsync("r1");
        await s.Store.Items.UpdateEntityAsync(new TableEntity("b1", "q1") { [nameof(ItemRow.Round)] = 2 }, Azure.ETag.All);
        var before = (await s.Store.GetRowAsync<ItemRow>(s.Store.Items, "b1", "q1"))!;

        Assert.Equal(["r1"], await new AssignReviewers(s.Store, TimeProvider.System)
            .RunAsync(new AssignReviewersInput("b1", "q1", 1, 1, 1, [], Future, false, ArmDeadline: true)));

        var armed = Assert.Single(await ArmedAsync(s));
        Assert.Equal(("q1", 1, Future), (armed.ItemId, armed.Round, armed.Due));
        var after = (await s.Store.GetRowAsync<ItemRow>(s.Store.Items, "b1", "q1"))!;
        Assert.Equal((before.Round, before.State, before.ETag), (after.Round, after.State, after.ETag));
    }

    [Fact]
    public async Task AssignReviewers_WithoutArmDeadline_ArmsNothing()
    {
        var s = await new StoreScenario(azurite).WithItemAsync();
        await s.WithReviewerAsync("r1");

        Assert.Equal(["r1"], await new AssignReviewers(s.Store, TimeProvider.System).RunAsync(new AssignReviewersInput("b1", "q1", 1, 1, 1, [], Future, false)));

        Assert.Empty(await ArmedAsync(s));
    }

    [Fact]
    public async Task ArmDeadline_AgainForTheSameRound_MovesTheOneRow()
    {
        var s = await BatchAsync(("q1", ItemState.InReview, 1));
        var arm = new ArmDeadline(s.Store);

        await arm.RunAsync(new ArmDeadlineInput("b1", "q1", 1, Future));
        await arm.RunAsync(new ArmDeadlineInput("b1", "q1", 1, Future.AddDays(1)));

        Assert.Equal(Future.AddDays(1), Assert.Single(await ArmedAsync(s)).Due);
    }

    [Fact]
    public async Task RaiseDueDeadlines_DueDeadlinesOfWaitingItems_RaisedOnceAndForgotten_OthersLeftOrDropped()
    {
        var s = await BatchAsync(("due", ItemState.InReview, 1), ("later", ItemState.InReview, 1), ("moved-on", ItemState.InReview, 2),
            ("decided", ItemState.Revising, 1), ("ended", ItemState.Verified, 1));
        foreach (var (id, round, due) in new[] { ("due", 1, Past), ("later", 1, Future), ("moved-on", 1, Past), ("decided", 1, Past), ("ended", 1, Past) })
        {
            await ReviewDeadlines.ArmAsync(s.Store, "b1", id, round, due);
        }

        var client = new Mock<DurableTaskClient>(MockBehavior.Strict, "test");
        client.Setup(c => c.RaiseEventAsync("b1:due", EventNames.DeadlineReached, It.IsAny<object>(), It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);

        var look = await new RaiseDueDeadlines(s.Store, TimeProvider.System).RunAsync(Watch(), client.Object);

        Assert.Equal(new RaiseDueDeadlinesResult(1, BatchEnded: false), look);
        client.Verify(c => c.RaiseEventAsync("b1:due", EventNames.DeadlineReached, new DeadlineReached(1, Past), It.IsAny<CancellationToken>()), Times.Once);
        // The raised one and those whose round is over are gone; the one not yet due stays for its time.
        Assert.Equal(["later"], (await ArmedAsync(s)).Select(r => r.ItemId));

        // Nothing is due any more: a second look raises nothing.
        Assert.Equal(new RaiseDueDeadlinesResult(0, false), await new RaiseDueDeadlines(s.Store, TimeProvider.System).RunAsync(Watch(), client.Object));
        client.Verify(c => c.RaiseEventAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<object>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task RaiseDueDeadlines_EveryItemEnded_ReportsTheBatchOverAndRaisesNothing()
    {
        // No counter rows: every item ended and was counted so, or the batch was purged.
        var s = new StoreScenario(azurite);
        await s.Store.EnsureCreatedAsync();
        await s.Store.Items.UpsertEntityAsync(new ItemRow { PartitionKey = "b1", RowKey = "q1", State = ItemState.InReview.Name(), Round = 1 });
        await ReviewDeadlines.ArmAsync(s.Store, "b1", "q1", 1, Past);

        var look = await new RaiseDueDeadlines(s.Store, TimeProvider.System).RunAsync(Watch(), StoreScenario.NoClient);

        Assert.Equal(new RaiseDueDeadlinesResult(0, BatchEnded: true), look);
    }

    [Fact]
    public async Task ForgetAsync_DeadlineArmedAgainAfterItWasRead_StaysForItsNewTime()
    {
        var s = await BatchAsync(("q1", ItemState.InReview, 1));
        await ReviewDeadlines.ArmAsync(s.Store, "b1", "q1", 1, Past);
        var read = Assert.Single(await ArmedAsync(s));

        // The item moved its deadline while the watch was raising the old one.
        await ReviewDeadlines.ArmAsync(s.Store, "b1", "q1", 1, Future);
        await ReviewDeadlines.ForgetAsync(s.Store, read);

        Assert.Equal(Future, Assert.Single(await ArmedAsync(s)).Due);
        await ReviewDeadlines.ForgetAsync(s.Store, read);
        Assert.Single(await ArmedAsync(s));
    }

    [Theory]
    [InlineData("b1")]
    [InlineData("b1-other")]
    public async Task DueAsync_OnlyThisBatchsDueRows_NeverItemsOrCounters(string otherBatch)
    {
        var s = await BatchAsync(("q1", ItemState.InReview, 1), ("q2", ItemState.InReview, 1));
        await ReviewDeadlines.ArmAsync(s.Store, "b1", "q1", 1, Past);
        await ReviewDeadlines.ArmAsync(s.Store, otherBatch, "q2", 3, Past);

        var due = new List<DeadlineRow>();
        await foreach (var row in ReviewDeadlines.DueAsync(s.Store, "b1", DateTimeOffset.UtcNow))
        {
            due.Add(row);
        }

        Assert.Equal(otherBatch == "b1" ? ["q1:1", "q2:3"] : ["q1:1"], due.Select(r => $"{r.ItemId}:{r.Round}"));
    }
}
