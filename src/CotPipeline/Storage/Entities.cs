using Azure;
using Azure.Data.Tables;

namespace CotPipeline.Storage;

/// <summary>Base of our table rows: the four system properties every entity carries.</summary>
public abstract class Row : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    /// <summary>A copy to change without changing this one (every column is a value or a string).</summary>
    public T Copy<T>()
        where T : Row => (T)MemberwiseClone();
}

/// <summary>Batches: PK "batches", RK batchId. The settings snapshot and where intake and scheduling stand.</summary>
public sealed class BatchRow : Row
{
    public const string Partition = "batches";

    public string Status { get; set; } = BatchStatus.Scheduling;
    public int ItemCount { get; set; }
    public int ScheduledCount { get; set; }
    public string SettingsJson { get; set; } = "";
    public string InputSha256 { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? ScheduledAt { get; set; }
    public DateTimeOffset? CancelledAt { get; set; }
}

/// <summary>Values of <see cref="BatchRow.Status"/>.</summary>
public static class BatchStatus
{
    public const string Scheduling = "scheduling";
    public const string Running = "running";
    /// <summary>Shown, never stored: a running batch whose items have all ended.</summary>
    public const string Finished = "finished";
    /// <summary>Stopped by the operator: nothing more is scheduled and every item not yet ended is cancelled.</summary>
    public const string Cancelled = "cancelled";
    /// <summary>Being deleted (<c>DELETE /api/batches/{batchId}</c>); a purge that stopped half-way is run again from here.</summary>
    public const string Purging = "purging";
}

/// <summary>Items: PK batchId, RK itemId. The index of one item's loop.</summary>
public sealed class ItemRow : Row
{
    public string Department { get; set; } = "";
    public string State { get; set; } = "pending";
    public int Round { get; set; }
    public int CurrentVersion { get; set; }
    public int Strikes { get; set; }
    public int? FinalVersion { get; set; }
    public string? Reason { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>Times the operator restarted the item after it failed (<c>POST …/retry</c>).</summary>
    public int Retries { get; set; }
}

/// <summary>Reviews: PK "{batchId}:{itemId}", RK "{round:D4}:{reviewerId}". Inserted once; a second insert is a replay.</summary>
public sealed class ReviewRow : Row
{
    public string AssignmentId { get; set; } = "";
    public int Round { get; set; }
    public int Version { get; set; }
    public string ReviewerId { get; set; } = "";
    public string Verdict { get; set; } = "";
    public bool HasRewrite { get; set; }
    /// <summary>False for a review that arrived after its round closed: kept for the audit trail, not counted.</summary>
    public bool Counted { get; set; } = true;
    /// <summary>The whole review (<see cref="Domain.Review"/>): the one place it is stored.</summary>
    public string ReviewJson { get; set; } = "";
    public DateTimeOffset SubmittedAt { get; set; }

    public static string PartitionFor(string batchId, string itemId) => $"{batchId}:{itemId}";

    /// <summary>The row of a review: its index columns and the whole review as JSON.</summary>
    public static ReviewRow From(Domain.Review review, bool counted) => new()
    {
        PartitionKey = PartitionFor(review.BatchId, review.ItemId),
        RowKey = RowFor(review.Round, review.ReviewerId),
        AssignmentId = review.AssignmentId,
        Round = review.Round,
        Version = review.Version,
        ReviewerId = review.ReviewerId,
        Verdict = Json.Serialize(review.Verdict).Trim('"'),
        HasRewrite = review.Rewrite is not null,
        Counted = counted,
        ReviewJson = Json.Serialize(review),
        SubmittedAt = review.SubmittedAt,
    };

    public static string RowFor(int round, string reviewerId) => $"{round:D4}:{reviewerId}";
}

/// <summary>Reviewers: PK "reviewers", RK reviewerId. The registry.</summary>
public sealed class ReviewerRow : Row
{
    public const string Partition = "reviewers";

    public string Name { get; set; } = "";
    public string Email { get; set; } = "";
    /// <summary>Departments (specialties), separated by '|'.</summary>
    public string Departments { get; set; } = "";
    public int Capacity { get; set; } = 50;
    public bool Active { get; set; } = true;
    public bool IsAdjudicator { get; set; }
}

/// <summary>Assignments: PK reviewerId, RK assignment id. Open and done work of a reviewer.</summary>
public sealed class AssignmentRow : Row
{
    public string BatchId { get; set; } = "";
    public string ItemId { get; set; } = "";
    public int Round { get; set; }
    public int Version { get; set; }
    public string Kind { get; set; } = AssignmentKind.Review;
    public string Status { get; set; } = AssignmentStatus.Open;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset Deadline { get; set; }
    /// <summary>Id of the signed link e-mailed for this assignment; a token naming another link id is refused.</summary>
    public string? LinkId { get; set; }
    public DateTimeOffset? LinkExpiresAt { get; set; }
    /// <summary>Reminders e-mailed so far.</summary>
    public int Reminders { get; set; }

    /// <summary>A new open assignment; <paramref name="round"/> is the item's round (an adjudication's id uses round 0).</summary>
    public static AssignmentRow Open(AssignmentId id, int round, int version, string kind, DateTimeOffset now, DateTime deadline) => new()
    {
        PartitionKey = id.ReviewerId,
        RowKey = id.ToString(),
        BatchId = id.BatchId,
        ItemId = id.ItemId,
        Round = round,
        Version = version,
        Kind = kind,
        Status = AssignmentStatus.Open,
        CreatedAt = now,
        Deadline = new DateTimeOffset(deadline, TimeSpan.Zero),
    };
}

/// <summary>Values of <see cref="AssignmentRow.Kind"/>.</summary>
public static class AssignmentKind
{
    public const string Review = "review";
    public const string Adjudication = "adjudication";
}

/// <summary>Values of <see cref="AssignmentRow.Status"/>.</summary>
public static class AssignmentStatus
{
    public const string Open = "open";
    public const string Submitted = "submitted";
    /// <summary>The round was decided, or the item finished, before this reviewer submitted.</summary>
    public const string Closed = "closed";
    /// <summary>The deadline and every reminder passed: another reviewer was asked in this reviewer's place.</summary>
    public const string Reassigned = "reassigned";

    /// <summary>True for an assignment that no longer counts a review (one sent now is kept in the audit trail only).</summary>
    public static bool IsClosed(string status) => status is Closed or Reassigned;
}

/// <summary>MailSent: PK batch id, RK <see cref="CotStore.MailSentKey"/>. The e-mail was handed to the SMTP server as <see cref="MessageId"/>.</summary>
public sealed class MailSentRow : Row
{
    public string MessageId { get; set; } = "";
    public DateTimeOffset SentAt { get; set; }
}
