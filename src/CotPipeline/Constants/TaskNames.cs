using CotPipeline.Activities;

namespace CotPipeline.Constants;

/// <summary>Every orchestrator, activity and event name, in one place; both hosts register exactly these.</summary>
public static class TaskNames
{
    public const string ReviewItem = "ReviewItem";
    public const string StartBatch = "StartBatch";
    public const string CancelBatch = "CancelBatch";
    public const string WatchDeadlines = "WatchDeadlines";

    public const string ScheduleItemsPage = nameof(CotPipeline.Activities.ScheduleItemsPage);
    public const string GenerateCandidate = nameof(CotPipeline.Activities.GenerateCandidate);
    public const string CommitVersion = nameof(CotPipeline.Activities.CommitVersion);
    public const string AssignReviewers = nameof(CotPipeline.Activities.AssignReviewers);
    public const string SendReviewRequests = nameof(CotPipeline.Activities.SendReviewRequests);
    public const string CloseAssignments = nameof(CotPipeline.Activities.CloseAssignments);
    public const string RecoverReviews = nameof(CotPipeline.Activities.RecoverReviews);
    public const string ReachConsensus = nameof(CotPipeline.Activities.ReachConsensus);
    public const string RequestAdjudication = nameof(CotPipeline.Activities.RequestAdjudication);
    public const string FinalizeItem = nameof(CotPipeline.Activities.FinalizeItem);
    public const string CancelItemsPage = nameof(CotPipeline.Activities.CancelItemsPage);
    public const string CloseBatchAssignments = nameof(CotPipeline.Activities.CloseBatchAssignments);
    public const string ArmDeadline = nameof(CotPipeline.Activities.ArmDeadline);
    public const string RaiseDueDeadlines = nameof(CotPipeline.Activities.RaiseDueDeadlines);

    public static readonly IReadOnlyList<string> Orchestrators = [ReviewItem, StartBatch, CancelBatch, WatchDeadlines];

    public static readonly IReadOnlyList<string> AllActivities =
    [
        ScheduleItemsPage, GenerateCandidate, CommitVersion, AssignReviewers, SendReviewRequests, CloseAssignments,
        RecoverReviews, ReachConsensus, RequestAdjudication, FinalizeItem, CancelItemsPage, CloseBatchAssignments,
        ArmDeadline, RaiseDueDeadlines,
    ];
}

/// <summary>Names of the external events the review loop waits for.</summary>
public static class EventNames
{
    public const string ReviewSubmitted = nameof(ReviewSubmitted);
    public const string AdjudicationSubmitted = nameof(AdjudicationSubmitted);
    public const string DeadlineReached = nameof(DeadlineReached);
}
