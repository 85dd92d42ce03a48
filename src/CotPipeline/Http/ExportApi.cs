using Azure;
using CotPipeline.Export;
using CotPipeline.Storage;
using Microsoft.AspNetCore.Http;

namespace CotPipeline.Http;

/// <summary>Operator routes for exports: write one (dataset, training view, exclusions, agreement, card) and download its files.</summary>
public sealed class ExportApi(CotStore store, BatchExporter exporter)
{
    /// <summary><c>POST /api/batches/{batchId}/exports</c>: exports the batch now; 201 with the export id and its files.</summary>
    public async Task<IResult> ExportAsync(string batchId, CancellationToken ct)
    {
        if (Ids.Problem(batchId, "batch id") is { } problem)
        {
            return Problems.BadRequest(problem + ".");
        }

        await store.EnsureCreatedAsync();
        if (await store.GetRowAsync<BatchRow>(store.Batches, BatchRow.Partition, batchId, ct) is null)
        {
            return Problems.NotFound($"There is no batch \"{batchId}\".");
        }

        var result = await exporter.ExportAsync(batchId, ct);
        return Results.Created($"/{ApiRouteTable.Prefix}/batches/{batchId}/exports/{result.ExportId}", result);
    }

    /// <summary><c>GET /api/batches/{batchId}/exports/{exportId}/{file}</c>: streams one of the five files of an export.</summary>
    public async Task<IResult> DownloadAsync(string batchId, string exportId, string file, CancellationToken ct)
    {
        if ((Ids.Problem(batchId, "batch id") ?? Ids.Problem(exportId, "export id")) is { } problem)
        {
            return Problems.BadRequest(problem + ".");
        }

        if (!ExportFiles.ContentTypes.TryGetValue(file, out var contentType))
        {
            return Problems.NotFound($"An export has no file \"{Ids.Shorten(file)}\"; its files are {string.Join(", ", ExportFiles.ContentTypes.Keys)}.");
        }

        try
        {
            var download = await store.Blob(ExportFiles.Path(batchId, exportId, file)).DownloadStreamingAsync(cancellationToken: ct);
            return Results.Stream(download.Value.Content, contentType, fileDownloadName: file);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return Problems.NotFound($"Batch \"{batchId}\" has no export \"{exportId}\" with {file}.");
        }
    }
}
