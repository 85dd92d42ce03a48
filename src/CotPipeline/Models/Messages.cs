using CotPipeline.Domain;

namespace CotPipeline.Models;

// Orchestration inputs, outputs and events: ids and references only, never rationale text.

/// <summary>What the next version of an item's rationale is made from.</summary>
public enum NextVersionKind
{
    None,
    Draft,
    Regenerate,
    HumanRewrite,
}

/// <summary>Where an item's loop stands between two executions (the orchestrator continues as new after each round).</summary>
public sealed record LoopState(
    int Round,
    int Version,
    int Strikes,
    NextVersionKind Next,
    int? CritiqueRound = null,
    string? RewriteBy = null,
    string? AuthorId = null,
    bool Adjudicating = false,
    int AdjudicationRequests = 0,
    int Retries = 0)
{
    public static readonly LoopState Start = new(0, 0, 0, NextVersionKind.Draft);

    /// <summary>
    /// Where a failed item's loop starts again when the operator retries it: at the next version to make, keeping its versions,
    /// round and strikes. When its last round was rejected, the next version answers that round's critique (or is the rewrite a
    /// reviewer sent); at the strike cap the item goes to adjudication. <paramref name="retries"/> counts this retry too.
    /// </summary>
    public static LoopState Resume(int round, int version, int strikes, int retries, RoundDecision? lastRound, int strikeCap)
    {
        if (strikes >= strikeCap)
        {
            return new(round, version, strikes, NextVersionKind.None, Adjudicating: true, Retries: retries);
        }

        if (version == 0)
        {
            return new(round, 0, strikes, NextVersionKind.Draft, Retries: retries);
        }

        if (lastRound is { Outcome: ConsensusOutcome.Reject } rejected && rejected.Round == round)
        {
            return rejected.RewriteBy is { } author
                ? new(round, version, strikes, NextVersionKind.HumanRewrite, CritiqueRound: round, RewriteBy: author, Retries: retries)
                : new(round, version, strikes, NextVersionKind.Regenerate, CritiqueRound: round, Retries: retries);
        }

        return new(round, version, strikes, NextVersionKind.Regenerate, Retries: retries);
    }
}

/// <summary>Input of the ReviewItem orchestration.</summary>
public sealed record ReviewItemInput(string BatchId, string ItemId, LoopSettings Loop, LoopState State);

/// <summary>How an item's loop ended.</summary>
public sealed record ItemOutcome(ItemState State, int? FinalVersion, int Rounds, string? Reason);

/// <summary>Input of the StartBatch orchestration: schedules the batch's items page by page.</summary>
public sealed record StartBatchInput(string BatchId, string? After = null, int Scheduled = 0);

/// <summary>The next page of a batch's items to start, after <paramref name="After"/>; <paramref name="Scheduled"/> items were paged before it.</summary>
public sealed record ScheduleItemsPageInput(string BatchId, string? After, int Scheduled = 0);

/// <summary>
/// A page started (<paramref name="Scheduled"/> items paged, the last <paramref name="Last"/>), or none because enough items are
/// starting already: then ask again after <paramref name="WaitFor"/>.
/// </summary>
public sealed record ScheduleItemsPageResult(int Scheduled, string? Last, bool Done, TimeSpan? WaitFor = null);

/// <summary>Input of the CancelBatch orchestration: cancels the batch's items page by page, then closes its open assignments.</summary>
public sealed record CancelBatchInput(string BatchId, string? After = null, int Cancelled = 0);

public sealed record CancelItemsPageInput(string BatchId, string? After);

public sealed record CancelItemsPageResult(int Cancelled, string? Last, bool Done);

public sealed record CloseBatchAssignmentsInput(string BatchId);

public sealed record GenerateCandidateInput(
    string BatchId,
    string ItemId,
    int Version,
    int Candidate,
    int Attempt,
    int? ParentVersion,
    int? CritiqueRound,
    IReadOnlyList<string>? GateFeedback);

public sealed record CandidateResult(int Candidate, bool Passed, IReadOnlyList<string> Problems, string Path);

/// <summary>Where a new version's text comes from.</summary>
public enum VersionOrigin
{
    Candidate,
    ReviewRewrite,
    Adjudication,
}

public sealed record CommitVersionInput(
    string BatchId,
    string ItemId,
    int Version,
    int? ParentVersion,
    VersionOrigin Origin,
    string? CandidatePath = null,
    int? Round = null,
    string? ReviewerId = null);

public sealed record CommitVersionResult(int Version, string? AuthorId);

public sealed record AssignReviewersInput(
    string BatchId,
    string ItemId,
    int Round,
    int Version,
    int Count,
    IReadOnlyList<string> Exclude,
    DateTime Deadline,
    bool RoundHasReviewers,
    bool ArmDeadline = false);

/// <summary>
/// The item's next wait in <paramref name="Round"/> ends at <paramref name="Due"/>: the batch's deadline watch raises
/// <see cref="DeadlineReached"/> to it then (see <c>WatchDeadlinesOrchestrator</c>).
/// </summary>
public sealed record ArmDeadlineInput(string BatchId, string ItemId, int Round, DateTime Due);

/// <summary>Raised by the batch's deadline watch: the deadline <paramref name="Due"/> armed for <paramref name="Round"/> has passed.</summary>
public sealed record DeadlineReached(int Round, DateTime Due);

/// <summary>The deadline watch of a batch: looks every <paramref name="Interval"/>; <paramref name="Raised"/> counts over its executions.</summary>
public sealed record WatchDeadlinesInput(string BatchId, TimeSpan Interval, int Raised = 0);

/// <summary>One look of the deadline watch: deadlines raised, and whether every item of the batch has ended (the watch stops).</summary>
public sealed record RaiseDueDeadlinesResult(int Raised, bool BatchEnded);

/// <summary>Which e-mail an assignment gets.</summary>
public enum MailKind
{
    /// <summary>The first request to review, with the personal link.</summary>
    Request,
    /// <summary>The deadline passed: the same link again, with the new deadline.</summary>
    Reminder,
    /// <summary>An adjudicator is asked to decide an item at the strike cap.</summary>
    Adjudication,
}

/// <summary>
/// E-mails the assignments of <paramref name="ReviewerIds"/> in <paramref name="Round"/> (round 0: adjudication). <paramref name="Sequence"/>
/// numbers reminders and repeated adjudication requests (0 for the first e-mail): each (assignment, kind, sequence) is sent once.
/// </summary>
public sealed record SendReviewRequestsInput(
    string BatchId,
    string ItemId,
    int Round,
    IReadOnlyList<string> ReviewerIds,
    MailKind Kind,
    int Sequence,
    DateTime Deadline);

public sealed record CloseAssignmentsInput(string BatchId, string ItemId, int Round, IReadOnlyList<string> ReviewerIds);

/// <summary>The reviewers of <paramref name="Round"/> whose deadline passed with no event from them.</summary>
public sealed record RecoverReviewsInput(string BatchId, string ItemId, int Round, IReadOnlyList<string> ReviewerIds);

public sealed record ReachConsensusInput(string BatchId, string ItemId, int Round, IReadOnlyList<string> Counted, bool MayAskExtraReviewer, int Strikes);

public sealed record ConsensusResult(ConsensusOutcome Outcome, string? RewriteBy);

public sealed record RequestAdjudicationInput(string BatchId, string ItemId, int Version, int Round, DateTime Deadline);

public sealed record FinalizeItemInput(string BatchId, string ItemId, ItemState State, int? FinalVersion, int Rounds, string? Reason, bool Adjudicated = false);

/// <summary>Raised when a reviewer's review has been stored.</summary>
public sealed record ReviewSubmitted(string AssignmentId, string ReviewerId, int Round);

/// <summary>What an adjudicator decided for an item at the strike cap.</summary>
public enum AdjudicationDecision
{
    Accept,
    Exclude,
}

/// <summary>Raised when an adjudicator's decision has been stored (text in Blob, not in the event).</summary>
public sealed record AdjudicationSubmitted(string AdjudicatorId, AdjudicationDecision Decision);
