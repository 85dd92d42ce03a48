using CotPipeline.Domain;
using CotPipeline.IntegrationTests.Infrastructure;
using CotPipeline.Options;
using CotPipeline.Storage;

namespace CotPipeline.IntegrationTests.Activities;

/// <summary>The review path's cache of write-once blobs, against real storage: what it serves is what is stored for that key.</summary>
public sealed class ArtifactCacheTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    /// <summary>Assignments record the real time of the host that wrote them, and the store's copies the real time they were read.</summary>
    private static DateTimeOffset Now => DateTimeOffset.UtcNow;

    [Fact]
    public async Task VersionAsync_NextVersionWritten_ServedFromStorageNotFromTheCachedOne()
    {
        var s = await new StoreScenario(azurite).WithItemAsync();
        var cache = new ArtifactCache(s.Store);
        await WriteVersionAsync(s, 1, "v1 step one");
        var assigned = Now.AddMinutes(-10);
        Assert.Equal("v1 step one", (await cache.VersionAsync("b1", "q1", 1, assigned, default)).Steps[0]);

        await WriteVersionAsync(s, 2, "v2 step one", parent: 1);

        var second = await cache.VersionAsync("b1", "q1", 2, assigned, default);
        Assert.Equal((2, "v2 step one", 1), (second.Version, second.Steps[0], second.ParentVersion));
        Assert.Equal("v1 step one", (await cache.VersionAsync("b1", "q1", 1, assigned, default)).Steps[0]);
    }

    [Fact]
    public async Task VersionAsync_ReadAgainForTheSameAssignment_ServedWithoutStorage()
    {
        var s = await new StoreScenario(azurite).WithItemAsync();
        var cache = new ArtifactCache(s.Store);
        await WriteVersionAsync(s, 1, "kept");
        var assigned = Now.AddMinutes(-10);
        await cache.VersionAsync("b1", "q1", 1, assigned, default);

        await s.Store.Blob(CotStore.VersionPath("b1", "q1", 1)).DeleteAsync();

        Assert.Equal("kept", (await cache.VersionAsync("b1", "q1", 1, assigned, default)).Steps[0]);
    }

    [Fact]
    public async Task VersionAsync_BatchPurgedAndIdReused_NewBatchsVersionServed()
    {
        var s = await new StoreScenario(azurite).WithItemAsync();
        var cache = new ArtifactCache(s.Store);
        await WriteVersionAsync(s, 1, "of the purged batch");
        await cache.VersionAsync("b1", "q1", 1, Now.AddMinutes(-10), default);

        // Purged; a new batch with the same id drafts its own v1, then assigns it a minute later.
        await s.Store.Blob(CotStore.VersionPath("b1", "q1", 1)).DeleteAsync();
        await WriteVersionAsync(s, 1, "of the new batch");

        Assert.Equal("of the new batch", (await cache.VersionAsync("b1", "q1", 1, Now, default)).Steps[0]);
    }

    [Fact]
    public async Task VersionAsync_ReadWithinClockSkewOfTheAssignment_ReadAgainLater()
    {
        var s = await new StoreScenario(azurite).WithItemAsync();
        var cache = new ArtifactCache(s.Store);
        await WriteVersionAsync(s, 1, "first");
        var assigned = Now.AddSeconds(-1);
        await cache.VersionAsync("b1", "q1", 1, assigned, default);

        // Another host's clock may be ahead: a read one second after the assignment could predate it.
        await s.Store.Blob(CotStore.VersionPath("b1", "q1", 1)).DeleteAsync();
        await WriteVersionAsync(s, 1, "second");

        Assert.Equal("second", (await cache.VersionAsync("b1", "q1", 1, assigned, default)).Steps[0]);
    }

    [Fact]
    public async Task SettingsAsync_TwoBatches_EachGetsItsOwn()
    {
        var s = new StoreScenario(azurite);
        await s.Store.EnsureCreatedAsync();
        var two = BatchSettings.From(RubricOptions.Default(), new PipelineOptions { MinSteps = 2 }, "model-a");
        var four = BatchSettings.From(RubricOptions.Default(), new PipelineOptions { MinSteps = 4 }, "model-b");
        await s.Store.CreateJsonAsync(CotStore.SettingsPath("b1"), two);
        await s.Store.CreateJsonAsync(CotStore.SettingsPath("b2"), four);
        var cache = new ArtifactCache(s.Store);
        var assigned = Now.AddMinutes(-10);

        for (var i = 0; i < 2; i++)
        {
            var first = await cache.SettingsAsync("b1", assigned, default);
            var second = await cache.SettingsAsync("b2", assigned, default);
            Assert.Equal((2, "model-a"), (first.MinSteps, first.Model));
            Assert.Equal((4, "model-b"), (second.MinSteps, second.Model));
        }
    }

    [Fact]
    public async Task SettingsAsync_OneCopyWithTheStore_ReadAgainForAnAssignmentCreatedAfterIt()
    {
        var s = new StoreScenario(azurite);
        await s.Store.EnsureCreatedAsync();
        await s.Store.CreateJsonAsync(CotStore.SettingsPath("b1"), BatchSettings.From(RubricOptions.Default(), new PipelineOptions(), "of the purged batch"));
        var cache = new ArtifactCache(s.Store);
        Assert.Equal("of the purged batch", (await cache.SettingsAsync("b1", DateTimeOffset.UtcNow.AddMinutes(-10), default)).Model);

        // Purged by another process (this one's copy is not dropped) and the id reused; the new batch's assignments come after.
        await s.Store.Blob(CotStore.SettingsPath("b1")).DeleteAsync();
        await s.Store.CreateJsonAsync(CotStore.SettingsPath("b1"), BatchSettings.From(RubricOptions.Default(), new PipelineOptions(), "of the new batch"));

        Assert.Equal("of the purged batch", (await s.Store.ReadSettingsAsync("b1")).Model);
        Assert.Equal("of the new batch", (await cache.SettingsAsync("b1", DateTimeOffset.UtcNow, default)).Model);
        Assert.Equal("of the new batch", (await s.Store.ReadSettingsAsync("b1")).Model);
    }

    [Fact]
    public async Task ItemAsync_TwoItems_EachGetsItsOwn_MissingOneSaysWhich()
    {
        var s = await new StoreScenario(azurite).WithItemAsync();
        await s.WithItemAsync(item: StoreScenario.Item with { Id = "q2", Answer = "A" });
        var cache = new ArtifactCache(s.Store);
        var assigned = Now.AddMinutes(-10);

        Assert.Equal("C", (await cache.ItemAsync("b1", "q1", assigned, default)).Answer);
        Assert.Equal("A", (await cache.ItemAsync("b1", "q2", assigned, default)).Answer);
        var missing = await Assert.ThrowsAsync<InvalidOperationException>(() => cache.ItemAsync("b1", "q3", assigned, default));
        Assert.Contains("b1/q3", missing.Message);
    }

    private static Task WriteVersionAsync(StoreScenario s, int version, string firstStep, int? parent = null) =>
        s.Store.CreateJsonAsync(CotStore.VersionPath("b1", "q1", version), new RationaleVersion
        {
            BatchId = "b1",
            ItemId = "q1",
            Version = version,
            Steps = [firstStep, "step two", "step three"],
            FinalAnswer = "C",
            Source = "llm",
            ParentVersion = parent,
            CreatedAt = Now,
        });
}
