using System.ComponentModel.DataAnnotations;

namespace CotPipeline.Options;

/// <summary>Settings that shape a batch's review loop; configured under <c>Pipeline</c>, snapshotted into each batch.</summary>
public sealed class PipelineOptions
{
    public const string Section = "Pipeline";

    /// <summary>Reviewers asked to review each round.</summary>
    [Range(1, 9)]
    public int ReviewersPerItem { get; set; } = 2;

    /// <summary>Extra reviewers a round may add when the reviewers disagree widely.</summary>
    [Range(0, 5)]
    public int MaxExtraReviewers { get; set; } = 1;

    /// <summary>A criterion whose scores span this much or more (max − min) counts as wide disagreement.</summary>
    [Range(1, 10)]
    public int DisagreementSpread { get; set; } = 3;

    /// <summary>Rejected rounds before the item goes to an adjudicator.</summary>
    [Range(1, 20)]
    public int StrikeCap { get; set; } = 5;

    /// <summary>LLM candidates drafted in parallel for each LLM version; the first that passes the gates is kept.</summary>
    [Range(1, 8)]
    public int Candidates { get; set; } = 1;

    /// <summary>Automatic regenerations after failed gates before the item is marked failed.</summary>
    [Range(0, 10)]
    public int MaxAutoRegenerations { get; set; } = 3;

    [Range(typeof(TimeSpan), "00:01:00", "90.00:00:00")]
    public TimeSpan ReviewDeadline { get; set; } = TimeSpan.FromDays(3);

    /// <summary>Reminders a reviewer gets after the deadline before the review is given to someone else.</summary>
    [Range(0, 5)]
    public int RemindersBeforeReassign { get; set; } = 1;

    /// <summary>Time a reminder gives: the new deadline is this long after the reminder.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan ReminderInterval { get; set; } = TimeSpan.FromDays(1);

    [Range(typeof(TimeSpan), "00:01:00", "90.00:00:00")]
    public TimeSpan AdjudicationDeadline { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long an item waits before asking again when no reviewer is free.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ReviewerRetryInterval { get; set; } = TimeSpan.FromMinutes(10);

    [Range(1, 100)]
    public int MinSteps { get; set; } = 2;

    [Range(1, 200)]
    public int MaxSteps { get; set; } = 30;

    [Range(100, 100_000)]
    public int MaxRationaleChars { get; set; } = 8_000;

    /// <summary>Prompt file (without extension) used for drafts and regenerations.</summary>
    [Required, RegularExpression("^[a-z0-9-]+$")]
    public string PromptVersion { get; set; } = "rationale-v1";
}
