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
        store.ForgetSettings(batchId);
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

        // Written after the items and before the batch row (the commit point). A retried intake writes the same counts, and
        // replaces the idle counters an interrupted one left (they name the minute of that attempt).
        var stale = store.Items.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {batchId} and RowKey ge {ItemCounters.NonItemPrefix}"), select: ["PartitionKey", "RowKey"], cancellationToken: ct);
        var counters = ItemCounters.Initial(batchId, items.Select(i => i.Id), now)
            .Select(c => new TableTransactionAction(TableTransactionActionType.UpsertReplace, c)).ToList();
        await foreach (var row in stale)
        {
            if (counters.All(c => c.Entity.RowKey != row.RowKey))
            {
                counters.Add(new TableTransactionAction(TableTransactionActionType.Delete, row, ETag.All));
            }
        }

        await store.Items.SubmitTransactionAsync(counters, ct);
    }

    /// <summary><c>GET /api/batches</c>: every batch with its progress, newest first.</summary>
    public async Task<IResult> ListAsync(CancellationToken ct)
    {
        await store.EnsureCreatedAsync();
        var rows = new List<BatchRow>();
        await foreach (var row in CotStore.PartitionAsync<BatchRow>(store.Batches, BatchRow.Partition, ct))
        {
            rows.Add(row);
        }

        var batches = new object[rows.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, rows.Count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (i, token) =>
        {
            var batch = rows[i];
            var progress = BatchProgress.From(batch, await ItemCounters.ReadAsync(store.Items, batch.RowKey, token));
            batches[i] = new { batchId = batch.RowKey, progress.Status, progress.Items, progress.Finished, progress.PercentDone, batch.CreatedAt };
        });

        return Results.Ok(batches.Zip(rows).OrderByDescending(b => b.Second.CreatedAt).ThenBy(b => b.Second.RowKey, StringComparer.Ordinal).Select(b => b.First));
    }

    /// <summary>
    /// <c>GET /api/batches/{batchId}</c>: the batch, its items counted by state, its pace and predicted finish, and what needs the
    /// operator's attention. Read from counter rows only (a few dozen at most), never from the items: see <see cref="ItemCounters"/>.
    /// </summary>
    public async Task<IResult> GetAsync(string batchId, CancellationToken ct)
    {
        if (Ids.Problem(batchId, "batch id") is { } problem)
        {
            return Problems.BadRequest(problem + ".");
        }

        await store.EnsureCreatedAsync();
        var now = clock.GetUtcNow();
        var batchTask = store.GetRowAsync<BatchRow>(store.Batches, BatchRow.Partition, batchId, ct);
        var countsTask = ItemCounters.ReadAsync(store.Items, batchId, ct);
        var windowTask = ItemCounters.FinishedAsync(store.Items, batchId, now.AddMinutes(1 - BatchProgress.WindowMinutes), now, ct);
        var stuckTask = ItemCounters.IdleBeforeAsync(store.Items, batchId, now - api.Value.StuckAfter, ct);
        await Task.WhenAll(batchTask, countsTask, windowTask, stuckTask);
        if (batchTask.Result is not { } batch)
        {
            return Problems.NotFound($"There is no batch \"{batchId}\".");
        }

        var counts = countsTask.Result;
        var progress = BatchProgress.From(batch, counts);
        var pace = progress.Pace(windowTask.Result, now, batch.CreatedAt);
        return Results.Ok(new
        {
            batchId,
            progress.Status,
            progress.Items,
            progress.Finished,
            progress.PercentDone,
            counts,
            createdAt = batch.CreatedAt,
            throughput = new { pace.WindowMinutes, pace.FinishedPerMinute },
            pace.Eta,
            pace.EtaSeconds,
            attention = new
            {
                awaitingReviewer = counts[ItemState.AwaitingReviewer.Name()],
                adjudication = counts[ItemState.Adjudication.Name()],
                failed = counts[ItemState.Failed.Name()],
                stuck = stuckTask.Result,
            },
        });
    }
}
