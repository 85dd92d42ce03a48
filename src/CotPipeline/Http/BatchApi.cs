using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs.Models;
using CotPipeline.Constants;
using CotPipeline.Domain;
using CotPipeline.Intake;
using CotPipeline.Llm;
using CotPipeline.Models;
using CotPipeline.Options;
using CotPipeline.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace CotPipeline.Http;

/// <summary>Operator routes for batches and items: intake, status, one item's versions and reviews.</summary>
public sealed class BatchApi(
    CotStore store,
    IOptions<ApiOptions> api,
    IOptions<RubricOptions> rubric,
    IOptions<PipelineOptions> pipeline,
    IRationaleModel model,
    TimeProvider clock)
{
    /// <summary><c>POST /api/batches[?batchId=…]</c>: a JSONL upload, validated whole, stored, then scheduled page by page.</summary>
    public async Task<IResult> SubmitAsync(HttpRequest request, DurableTaskClient client, CancellationToken ct)
    {
        var batchId = request.Query["batchId"].ToString();
        if (batchId.Length == 0)
        {
            batchId = $"b{clock.GetUtcNow():yyyyMMdd-HHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
        }
        else if (Ids.Problem(batchId, "query parameter \"batchId\"") is { } problem)
        {
            return Problems.BadRequest(problem + ".");
        }

        var tempPath = Path.GetTempFileName();
        await using var upload = new FileStream(tempPath, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 81920,
            FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        if (!await BodyReader.CopyLimitedAsync(request, upload, api.Value.MaxUploadBytes, ct))
        {
            return Problems.TooLarge($"The upload is larger than {api.Value.MaxUploadBytes:N0} bytes; split it into several batches.");
        }

        upload.Position = 0;
        var sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(upload, ct));
        await store.EnsureCreatedAsync();

        var existing = await store.GetRowAsync<BatchRow>(store.Batches, BatchRow.Partition, batchId, ct);
        if (existing is not null)
        {
            return await ExistingAsync(existing, sha, client, ct);
        }

        upload.Position = 0;
        var parsed = await IntakeParser.ParseAsync(upload, api.Value, ct);
        if (parsed.ErrorCount > 0)
        {
            var listed = parsed.Errors.Select(e => e.ToString()).ToList();
            return Problems.BadRequest(
                $"{parsed.ErrorCount} line(s) of the upload are not valid; nothing was stored or started. First: {listed[0]}",
                new Dictionary<string, object?> { ["errors"] = listed, ["errorCount"] = parsed.ErrorCount });
        }

        upload.Position = 0;
        await store.Blob(CotStore.InputPath(batchId)).UploadAsync(upload,
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/x-ndjson; charset=utf-8" } }, ct);
        var settings = BatchSettings.From(rubric.Value, pipeline.Value, model.Model);
        await store.Blob(CotStore.SettingsPath(batchId)).UploadAsync(BinaryData.FromString(Json.Serialize(settings)), overwrite: true, ct);
        await StoreItemsAsync(batchId, parsed.Items, ct);

        var now = clock.GetUtcNow();
        try
        {
            await store.Batches.AddEntityAsync(new BatchRow
            {
                PartitionKey = BatchRow.Partition,
                RowKey = batchId,
                Status = BatchStatus.Scheduling,
                ItemCount = parsed.Items.Count,
                SettingsJson = Json.Serialize(settings),
                InputSha256 = sha,
                CreatedAt = now,
            }, ct);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var raced = await store.GetRowAsync<BatchRow>(store.Batches, BatchRow.Partition, batchId, ct);
            return await ExistingAsync(raced!, sha, client, ct);
        }

        await EnsureStartedAsync(batchId, client, ct);
        return Results.Accepted($"/api/batches/{batchId}", new { batchId, items = parsed.Items.Count, status = BatchStatus.Scheduling });
    }

    private async Task<IResult> ExistingAsync(BatchRow existing, string sha, DurableTaskClient client, CancellationToken ct)
    {
        if (existing.InputSha256 != sha)
        {
            return Problems.Conflict("Batch id already used",
                $"Batch \"{existing.RowKey}\" already exists with a different upload; choose another batchId or omit it.");
        }

        // Same id, same upload: start nothing new (but make sure an interrupted earlier request did start the batch).
        await EnsureStartedAsync(existing.RowKey, client, ct);
        return Results.Ok(new { batchId = existing.RowKey, items = existing.ItemCount, status = existing.Status, duplicate = true });
    }

    private static async Task EnsureStartedAsync(string batchId, DurableTaskClient client, CancellationToken ct)
    {
        var instanceId = Ids.BatchInstance(batchId);
        if (await client.GetInstanceAsync(instanceId, ct) is null)
        {
            await client.ScheduleNewOrchestrationInstanceAsync(TaskNames.StartBatch, new StartBatchInput(batchId),
                new StartOrchestrationOptions(instanceId), ct);
        }
    }

    private async Task StoreItemsAsync(string batchId, IReadOnlyList<QaItem> items, CancellationToken ct)
    {
        await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct }, async (item, token) =>
            await store.Blob(CotStore.ItemPath(batchId, item.Id)).UploadAsync(BinaryData.FromString(Json.Serialize(item)), overwrite: true, token));

        var now = clock.GetUtcNow();
        foreach (var chunk in items.Chunk(100))
        {
            var actions = chunk.Select(item => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new ItemRow
            {
                PartitionKey = batchId,
                RowKey = item.Id,
                Department = item.Department,
                State = ItemState.Pending.Name(),
                UpdatedAt = now,
            }));
            await store.Items.SubmitTransactionAsync(actions, ct);
        }

        // Written after the items and before the batch row (the commit point): a retried intake writes the same counts.
        await store.Items.SubmitTransactionAsync(
            ItemCounters.Initial(batchId, items.Select(i => i.Id)).Select(c => new TableTransactionAction(TableTransactionActionType.UpsertReplace, c)), ct);
    }

    /// <summary><c>GET /api/batches/{batchId}</c>: the batch and its items counted by state.</summary>
    public async Task<IResult> GetAsync(string batchId, CancellationToken ct)
    {
        if (Ids.Problem(batchId, "batch id") is { } problem)
        {
            return Problems.BadRequest(problem + ".");
        }

        await store.EnsureCreatedAsync();
        var batch = await store.GetRowAsync<BatchRow>(store.Batches, BatchRow.Partition, batchId, ct);
        if (batch is null)
        {
            return Problems.NotFound($"There is no batch \"{batchId}\".");
        }

        var counts = await ItemCounters.ReadAsync(store.Items, batchId, ct);

        var finished = counts[ItemState.Verified.Name()] + counts[ItemState.Excluded.Name()] + counts[ItemState.Failed.Name()];
        return Results.Ok(new
        {
            batchId,
            status = batch.Status == BatchStatus.Running && finished == batch.ItemCount ? "finished" : batch.Status,
            items = batch.ItemCount,
            finished,
            percentDone = batch.ItemCount == 0 ? 100 : Math.Round(100.0 * finished / batch.ItemCount, 1),
            counts,
            createdAt = batch.CreatedAt,
        });
    }

    /// <summary><c>GET /api/batches/{batchId}/items?state=…</c>: the items of a batch, optionally in one state.</summary>
    public async Task<IResult> ListItemsAsync(string batchId, HttpRequest request, CancellationToken ct)
    {
        if (Ids.Problem(batchId, "batch id") is { } problem)
        {
            return Problems.BadRequest(problem + ".");
        }

        var state = request.Query["state"].ToString();
        if (state.Length > 0 && Enum.GetValues<ItemState>().All(s => s.Name() != state))
        {
            return Problems.BadRequest(
                $"Query parameter \"state\" is \"{Ids.Shorten(state)}\"; use one of {string.Join(", ", Enum.GetValues<ItemState>().Select(s => s.Name()))}.");
        }

        await store.EnsureCreatedAsync();
        if (await store.GetRowAsync<BatchRow>(store.Batches, BatchRow.Partition, batchId, ct) is null)
        {
            return Problems.NotFound($"There is no batch \"{batchId}\".");
        }

        var items = new List<object>();
        await foreach (var row in CotStore.PartitionAsync<ItemRow>(store.Items, batchId, ct))
        {
            if (!ItemCounters.IsItem(row.RowKey))
            {
                continue;
            }

            if (state.Length == 0 || row.State == state)
            {
                items.Add(new { itemId = row.RowKey, row.Department, row.State, row.Round, row.CurrentVersion, row.Strikes, row.FinalVersion, row.Reason });
            }
        }

        return Results.Ok(new { batchId, items });
    }

    /// <summary><c>GET /api/batches/{batchId}/items/{itemId}</c>: the item, every version, every review and decision.</summary>
    public async Task<IResult> GetItemAsync(string batchId, string itemId, CancellationToken ct)
    {
        if ((Ids.Problem(batchId, "batch id") ?? Ids.Problem(itemId, "item id")) is { } problem)
        {
            return Problems.BadRequest(problem + ".");
        }

        await store.EnsureCreatedAsync();
        var row = await store.GetRowAsync<ItemRow>(store.Items, batchId, itemId, ct);
        if (row is null)
        {
            return Problems.NotFound($"Batch \"{batchId}\" has no item \"{itemId}\".");
        }

        var versions = new List<RationaleVersion>();
        for (var v = 1; v <= row.CurrentVersion + 1; v++)
        {
            if (await store.ReadJsonAsync<RationaleVersion>(CotStore.VersionPath(batchId, itemId, v), ct) is { } version)
            {
                versions.Add(version);
            }
        }

        var reviews = new List<object>();
        await foreach (var review in CotStore.PartitionAsync<ReviewRow>(store.Reviews, ReviewRow.PartitionFor(batchId, itemId), ct))
        {
            reviews.Add(new { review = Json.Deserialize<Review>(review.ReviewJson), counted = review.Counted });
        }

        var decisions = new List<RoundDecision>();
        for (var r = 1; r <= row.Round; r++)
        {
            if (await store.ReadJsonAsync<RoundDecision>(CotStore.DecisionPath(batchId, itemId, r), ct) is { } decision)
            {
                decisions.Add(decision);
            }
        }

        return Results.Json(new
        {
            batchId,
            itemId,
            state = row.State,
            row.Round,
            row.CurrentVersion,
            row.Strikes,
            row.FinalVersion,
            row.Reason,
            item = await store.ReadJsonAsync<QaItem>(CotStore.ItemPath(batchId, itemId), ct),
            versions = versions.Select(v => new { v.Version, v.Source, v.ParentVersion, v.CritiqueRound, v.Critique, v.AuthorId, v.Model, v.PromptVersion, v.Tokens, v.CreatedAt, v.FinalAnswer, v.Steps, text = v.Text }),
            reviews,
            decisions,
            final = await store.ReadJsonAsync<FinalRecord>(CotStore.FinalPath(batchId, itemId), ct),
        }, Json.Options);
    }
}
