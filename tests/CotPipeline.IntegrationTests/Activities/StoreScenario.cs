using Azure.Data.Tables;
using Azure.Storage.Blobs;
using CotPipeline.Domain;
using CotPipeline.IntegrationTests.Infrastructure;
using CotPipeline.Options;
using CotPipeline.Storage;
using Microsoft.DurableTask.Client;
using Moq;

namespace CotPipeline.IntegrationTests.Activities;

/// <summary>A fresh container and table set on the shared Azurite per test, with helpers to lay down a batch's state.</summary>
internal sealed class StoreScenario
{
    private static int _next;

    public StoreScenario(AzuriteFixture azurite)
    {
        var n = Interlocked.Increment(ref _next);
        _options = new StorageOptions
        {
            ConnectionString = azurite.ConnectionString,
            Container = $"act{n}",
            TablePrefix = $"Act{n}",
        };
        Store = StorageServiceCollectionExtensions.Create(_options);
    }

    private readonly StorageOptions _options;

    public CotStore Store { get; }

    /// <summary>A client no step may use: strict, so an event raised where none is due fails the test.</summary>
    public static DurableTaskClient NoClient => new Mock<DurableTaskClient>(MockBehavior.Strict, "test").Object;

    /// <summary>The same storage as another host process sees it: nothing kept in memory from <see cref="Store"/>'s reads and writes.</summary>
    public CotStore OtherProcessStore() => StorageServiceCollectionExtensions.Create(_options);

    /// <summary>Another store on the same storage whose routing uses one read of the registry for <paramref name="lifetime"/>.</summary>
    public CotStore StoreRoutingEvery(TimeSpan lifetime) =>
        new(new BlobServiceClient(_options.ConnectionString).GetBlobContainerClient(_options.Container), new TableServiceClient(_options.ConnectionString),
            _options.TablePrefix) { RegistryLifetime = lifetime };

    public BatchSettings Settings { get; init; } = BatchSettings.From(RubricOptions.Default(), new PipelineOptions(), "offline-template");

    public static readonly QaItem Item = new("q1", "cardiology", "Which artery? 哪条动脉？",
        new Dictionary<string, string> { ["A"] = "LAD", ["B"] = "LCx", ["C"] = "RCA" }, "C");

    public async Task<StoreScenario> WithItemAsync(string batchId = "b1", QaItem? item = null)
    {
        item ??= Item;
        await Store.EnsureCreatedAsync();
        await Store.CreateJsonAsync(CotStore.SettingsPath(batchId), Settings);
        await Store.CreateJsonAsync(CotStore.ItemPath(batchId, item.Id), item);
        await Store.Items.UpsertEntityAsync(new ItemRow { PartitionKey = batchId, RowKey = item.Id, Department = item.Department, State = "pending" });
        return this;
    }

    public async Task<StoreScenario> WithReviewerAsync(string id, string departments = "*", int capacity = 10, bool active = true, bool adjudicator = false)
    {
        await Store.EnsureCreatedAsync();
        await Store.Reviewers.UpsertEntityAsync(new ReviewerRow
        {
            PartitionKey = ReviewerRow.Partition,
            RowKey = id,
            Name = id,
            Email = $"{id}@example.org",
            Departments = departments,
            Capacity = capacity,
            Active = active,
            IsAdjudicator = adjudicator,
        }, TableUpdateMode.Replace);
        return this;
    }

    public async Task<ItemRow> ItemRowAsync(string batchId = "b1", string itemId = "q1") =>
        (await Store.GetRowAsync<ItemRow>(Store.Items, batchId, itemId))!;

    public async Task AddReviewAsync(Review review, bool counted = true)
    {
        await Store.Reviews.AddEntityAsync(ReviewRow.From(review, counted));
    }

    public static Review Review(string reviewerId, int round, Verdict verdict, int score, string? rewrite = null, string? comment = null) => new()
    {
        BatchId = "b1",
        ItemId = "q1",
        Round = round,
        Version = round,
        ReviewerId = reviewerId,
        AssignmentId = new AssignmentId("b1", "q1", round, reviewerId).ToString(),
        Scores = RubricOptions.Default().Criteria.ToDictionary(c => c.Id, _ => score),
        Comments = comment is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["reasoning_structure"] = comment },
        Verdict = verdict,
        Rewrite = rewrite,
        SubmittedAt = DateTimeOffset.UnixEpoch.AddMinutes(reviewerId.Length),
    };
}
