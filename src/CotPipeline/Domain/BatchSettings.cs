using CotPipeline.Options;

namespace CotPipeline.Domain;

/// <summary>
/// The settings a batch runs with, snapshotted when it starts: changing the configuration later never
/// changes a running batch. Stored in the Batches table and as <c>batches/{batchId}/settings.json</c>.
/// </summary>
public sealed record BatchSettings(
    IReadOnlyList<RubricCriterion> Rubric,
    LoopSettings Loop,
    int MinSteps,
    int MaxSteps,
    int MaxRationaleChars,
    int DisagreementSpread,
    string PromptVersion,
    string Model)
{
    /// <summary>Who may review which department; a snapshot written before routing was configurable reads as the default.</summary>
    public ReviewerRouting Routing { get; init; } = ReviewerRouting.Default;

    /// <summary>Snapshots the current configuration.</summary>
    public static BatchSettings From(RubricOptions rubric, PipelineOptions pipeline, string model) => new(
        rubric.Criteria.Select(Copy).ToList(),
        LoopSettings.From(pipeline),
        pipeline.MinSteps,
        pipeline.MaxSteps,
        pipeline.MaxRationaleChars,
        pipeline.DisagreementSpread,
        pipeline.PromptVersion,
        model)
    {
        Routing = ReviewerRouting.From(pipeline),
    };

    private static RubricCriterion Copy(RubricCriterion c) => new()
    {
        Id = c.Id,
        Name = c.Name,
        Description = c.Description,
        ScaleMin = c.ScaleMin,
        ScaleMax = c.ScaleMax,
        Anchors = new(c.Anchors),
        AcceptThreshold = c.AcceptThreshold,
        SafetyCritical = c.SafetyCritical,
        VetoLevel = c.VetoLevel,
    };
}

/// <summary>The part of the batch settings the orchestrator itself needs; small, so it travels in the orchestration input.</summary>
public sealed record LoopSettings(
    int ReviewersPerItem,
    int MaxExtraReviewers,
    int StrikeCap,
    int Candidates,
    int MaxAutoRegenerations,
    TimeSpan ReviewDeadline,
    TimeSpan AdjudicationDeadline,
    TimeSpan ReviewerRetryInterval,
    int RemindersBeforeReassign = 1,
    TimeSpan ReminderInterval = default)
{
    public static LoopSettings From(PipelineOptions o) => new(
        o.ReviewersPerItem, o.MaxExtraReviewers, o.StrikeCap, o.Candidates, o.MaxAutoRegenerations,
        o.ReviewDeadline, o.AdjudicationDeadline, o.ReviewerRetryInterval, o.RemindersBeforeReassign, o.ReminderInterval);

    /// <summary>How long a reminder gives; batches snapshotted before reminders existed use the review deadline.</summary>
    public TimeSpan EffectiveReminderInterval => ReminderInterval > TimeSpan.Zero ? ReminderInterval : ReviewDeadline;
}
