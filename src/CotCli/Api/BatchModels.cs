using System.Text.Json;

namespace CotCli.Api;

/// <summary>The answer to <c>POST /api/batches</c>: 202 for a new batch, 200 with <c>duplicate</c> for the same upload again.</summary>
public sealed record SubmitResult(string BatchId, int? Items, string? Status, bool? Duplicate);

/// <summary>
/// <c>GET /api/batches/{batchId}</c>. Everything past the counts is optional: servers without throughput, ETA or
/// attention figures leave them out, and the CLI shows what is there.
/// </summary>
public sealed record BatchStatus(
    string BatchId,
    string? Status,
    int Items,
    int Finished,
    double PercentDone,
    Dictionary<string, int>? Counts,
    DateTimeOffset? CreatedAt,
    Throughput? Throughput,
    JsonElement? Eta,
    double? EtaSeconds,
    Dictionary<string, JsonElement>? Attention)
{
    /// <summary>True when nothing more will happen to the batch: watching it can stop.</summary>
    public bool IsOver => Status is BatchStatuses.Finished or BatchStatuses.Cancelled;
}

/// <summary>Items finished per minute over the last <see cref="WindowMinutes"/> minutes.</summary>
public sealed record Throughput(double? WindowMinutes, double? FinishedPerMinute);

/// <summary>One row of <c>GET /api/batches</c>.</summary>
public sealed record BatchSummary(string BatchId, string? Status, int Items, int Finished, double PercentDone, DateTimeOffset? CreatedAt);

/// <summary>The batch statuses the API reports.</summary>
public static class BatchStatuses
{
    public const string Finished = "finished";
    public const string Cancelled = "cancelled";
}

/// <summary>The answer to <c>POST /api/batches/{batchId}/exports</c>: the export id and each file's size and line count.</summary>
public sealed record ExportResult(string BatchId, string ExportId, IReadOnlyList<ExportedFile> Files);

/// <summary>One file of an export; <see cref="Lines"/> is absent for files that are not line-per-record.</summary>
public sealed record ExportedFile(string Name, long Bytes, int? Lines);

/// <summary>The answer to <c>POST /api/reviewers</c>.</summary>
public sealed record StoredReviewers(int Stored);
