using System.ComponentModel.DataAnnotations;

namespace CotPipeline.Options;

/// <summary>Limits and keys of the HTTP API; configured under <c>Api</c>.</summary>
public sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>Operator key checked in the <c>X-Api-Key</c> header by the local host (Azure uses Functions keys).</summary>
    public string? Key { get; set; }

    [Range(1, 100_000)]
    public int MaxItemsPerBatch { get; set; } = 50_000;

    [Range(1024, 1L << 31)]
    public long MaxUploadBytes { get; set; } = 256L * 1024 * 1024;

    [Range(100, 1_000_000)]
    public int MaxQuestionChars { get; set; } = 20_000;

    [Range(10, 100_000)]
    public int MaxOptionChars { get; set; } = 2_000;

    [Range(2, 26)]
    public int MaxOptions { get; set; } = 10;

    [Range(1024, 16 * 1024 * 1024)]
    public int MaxReviewBytes { get; set; } = 256 * 1024;

    /// <summary>Items scheduled per page when a batch starts its item orchestrations.</summary>
    [Range(1, 5000)]
    public int SchedulePageSize { get; set; } = 500;

    /// <summary>
    /// Items of a batch started and not yet with reviewers (pending, drafting, revising) at most: the next page waits until some
    /// have moved on, so a large batch does not flood the engine's queues (its review events wait behind everything queued
    /// there). 0: no limit.
    /// </summary>
    [Range(0, 100_000)]
    public int MaxItemsStarting { get; set; } = 500;

    /// <summary>How long the batch's start waits before it looks again when <see cref="MaxItemsStarting"/> items are starting.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ScheduleWaitInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>An item waiting on the pipeline (pending, drafting, awaiting a reviewer, revising) this long unchanged is stuck.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan StuckAfter { get; set; } = TimeSpan.FromDays(1);
}
