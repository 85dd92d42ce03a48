using CotPipeline.Domain;
using CotPipeline.Http;
using CotPipeline.Options;

namespace CotPipeline.Pages;

/// <summary>What a reviewer entered, as posted, to show again after a validation error. Keys are criterion ids.</summary>
public sealed record ReviewForm(
    string? Verdict,
    IReadOnlyDictionary<string, string> Scores,
    IReadOnlyDictionary<string, string> Comments,
    string? GeneralComment,
    string? Rewrite);

/// <summary>Everything the review page shows: the item, the version under review, the previous one (round 2 on) and the rubric.</summary>
public sealed record ReviewPageView(
    string FormAction,
    string ReviewerName,
    QaItem Item,
    int Round,
    DateTimeOffset Deadline,
    RationaleVersion Current,
    RationaleVersion? Previous,
    IReadOnlyList<RubricCriterion> Rubric,
    ReviewForm? Values,
    IReadOnlyList<string> Errors);

/// <summary>What an adjudicator entered, as posted, to show again after a validation error.</summary>
public sealed record AdjudicationForm(string? Decision, string? FinalText, string? Reason);

/// <summary>Everything the adjudication page shows: every version and every review of the item.</summary>
public sealed record AdjudicationPageView(
    string FormAction,
    string AdjudicatorName,
    QaItem Item,
    IReadOnlyList<RationaleVersion> Versions,
    IReadOnlyList<Review> Reviews,
    IReadOnlyList<RubricCriterion> Rubric,
    DateTimeOffset Deadline,
    AdjudicationForm? Values,
    IReadOnlyList<string> Errors);

/// <summary>Why a review link does not lead to a form: each has its own page saying what happened and what to do.</summary>
public enum LinkPage
{
    Malformed,
    Tampered,
    Expired,
    AlreadySubmitted,
    Reassigned,
    RoundClosed,
    NotFound,
    ItemFinished,
}

/// <summary>The names and values of the fields the review and adjudication forms post (<c>application/x-www-form-urlencoded</c>).</summary>
public static class FormFields
{
    /// <summary>Followed by a criterion id: the level chosen, e.g. <c>score.medical_correctness=4</c>.</summary>
    public const string ScorePrefix = "score.";

    /// <summary>Followed by a criterion id, or by <see cref="ReviewApi.GeneralComment"/> for <see cref="GeneralComment"/>.</summary>
    public const string CommentPrefix = "comment.";

    public const string GeneralComment = CommentPrefix + ReviewApi.GeneralComment;
    public const string Verdict = "verdict";
    public const string Accept = "accept";
    public const string NeedsRevision = "needs-revision";

    /// <summary>Prefilled with the version under review: see <see cref="IsRewrite"/>.</summary>
    public const string Rewrite = "rewrite";

    public const string Decision = "decision";
    public const string Exclude = "exclude";
    public const string FinalText = "finalText";
    public const string Reason = "reason";

    /// <summary>
    /// Whether the posted <see cref="Rewrite"/> field is a rewrite: it has other steps than the version under review.
    /// Numbering, blank lines, line-end style and spaces around steps do not count, so submitting the prefilled text is no rewrite.
    /// </summary>
    public static bool IsRewrite(string? posted, RationaleVersion current) =>
        !string.IsNullOrWhiteSpace(posted) && !RationaleText.Split(posted).SequenceEqual(RationaleText.Split(current.Text));
}
