using CotPipeline.Activities;
using CotPipeline.Constants;
using CotPipeline.Domain;
using CotPipeline.IntegrationTests.Infrastructure;
using CotPipeline.Models;
using CotPipeline.Options;
using CotPipeline.Storage;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Moq;

namespace CotPipeline.IntegrationTests.Activities;

/// <summary>
/// Starting a batch's items on Azurite, a page at a time, never more than <see cref="ApiOptions.MaxItemsStarting"/> items started
/// and not yet with reviewers: a page waits (and starts nothing) while that many are starting, and is cut to the room left.
/// </summary>
public sealed class ScheduleItemsPageTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly string[] Ids10 = [.. Enumerable.Range(1, 10).Select(i => $"q{i:D2}")];

    private readonly List<string> _started = [];

    private async Task<StoreScenario> BatchAsync()
    {
        var s = new StoreScenario(azurite);
        await s.Store.EnsureCreatedAsync();
        await s.Store.CreateJsonAsync(CotStore.SettingsPath("b1"), s.Settings);
        await s.Store.Batches.AddEntityAsync(new BatchRow { PartitionKey = BatchRow.Partition, RowKey = "b1", ItemCount = Ids10.Length });
        foreach (var id in Ids10)
        {
            await s.Store.Items.UpsertEntityAsync(new ItemRow { PartitionKey = "b1", RowKey = id, Department = "x", State = ItemState.Pending.Name() });
        }

        foreach (var counter in ItemCounters.Initial("b1", Ids10, DateTimeOffset.UtcNow))
        {
            await s.Store.Items.UpsertEntityAsync(counter);
        }

        return s;
    }

    private DurableTaskClient Client()
    {
        var client = new Mock<DurableTaskClient>("test");
        client.Setup(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()))
            .Callback((TaskName name, object? _, StartOrchestrationOptions? options, CancellationToken _) =>
            {
                lock (_started)
                {
                    if (name.Name == TaskNames.ReviewItem)
                    {
                        _started.Add(options!.InstanceId!);
                    }
                }
            })
            .ReturnsAsync("started");
        return client.Object;
    }

    private static ScheduleItemsPage Activity(CotStore store, int pageSize, int maxStarting) =>
        new(store, Microsoft.Extensions.Options.Options.Create(new ApiOptions { SchedulePageSize = pageSize, MaxItemsStarting = maxStarting, ScheduleWaitInterval = TimeSpan.FromSeconds(7) }),
            Microsoft.Extensions.Options.Options.Create(new PipelineOptions()), TimeProvider.System);

    [Fact]
    public async Task RunAsync_EnoughItemsStarting_WaitsAndStartsNothing_ThenStartsTheRoomLeftAsItemsMoveOn()
    {
        var s = await BatchAsync();
        var client = Client();
        var page = Activity(s.Store, pageSize: 4, maxStarting: 3);

        var first = await page.RunAsync(new ScheduleItemsPageInput("b1", null, 0), client);
        Assert.Equal(new ScheduleItemsPageResult(3, "q03", false), first);

        // The three are still pending: no room, and nothing asked of the engine (a strict client would fail).
        var full = await page.RunAsync(new ScheduleItemsPageInput("b1", "q03", 3), StoreScenario.NoClient);
        Assert.Equal(new ScheduleItemsPageResult(0, "q03", false, TimeSpan.FromSeconds(7)), full);
        Assert.Equal(["b1:q01", "b1:q02", "b1:q03"], _started.Order());

        // Two reach their reviewers (one drafting still counts as starting): room for two.
        foreach (var (id, state) in new[] { ("q01", ItemState.InReview), ("q02", ItemState.InReview), ("q03", ItemState.Drafting) })
        {
            Assert.True(await s.Store.UpdateItemAsync("b1", id, r => { r.State = state.Name(); return true; }, DateTimeOffset.UtcNow));
        }

        Assert.Equal(new ScheduleItemsPageResult(2, "q05", false), await page.RunAsync(new ScheduleItemsPageInput("b1", "q03", 3), client));
        Assert.Equal(5, _started.Count);
    }

    [Fact]
    public async Task RunAsync_NoLimit_StartsWholePagesToTheEnd()
    {
        var s = await BatchAsync();
        var client = Client();
        var page = Activity(s.Store, pageSize: 6, maxStarting: 0);

        Assert.Equal(new ScheduleItemsPageResult(6, "q06", false), await page.RunAsync(new ScheduleItemsPageInput("b1", null, 0), client));
        Assert.Equal(new ScheduleItemsPageResult(4, "q10", true), await page.RunAsync(new ScheduleItemsPageInput("b1", "q06", 6), client));

        Assert.Equal(10, _started.Count);
        Assert.Equal(BatchStatus.Running, (await s.Store.GetRowAsync<BatchRow>(s.Store.Batches, BatchRow.Partition, "b1"))!.Status);
    }
}
