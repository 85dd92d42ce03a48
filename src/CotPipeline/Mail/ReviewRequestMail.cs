using CotPipeline.Models;
using CotPipeline.Storage;

namespace CotPipeline.Mail;

/// <summary>What one review-request e-mail says: to whom, about which item and round, the personal link, the deadline and the rubric.</summary>
/// <param name="Assignment">One reviewer, one item, one round: the e-mail is sent once per assignment.</param>
/// <param name="QuestionExcerpt">The start of the question (untrusted text); the full question is on the review page.</param>
/// <param name="LinkUrl">The reviewer's signed link; only absolute http or https URLs are sent.</param>
/// <param name="RubricCriteria">Names of the rubric criteria, in rubric order.</param>
/// <param name="Kind">The first request, a reminder, or an adjudication request.</param>
/// <param name="Sequence">Numbers reminders and repeated adjudication requests; each (assignment, kind, sequence) is sent once.</param>
public sealed record ReviewRequestMail(
    AssignmentId Assignment,
    string ReviewerName,
    string ReviewerEmail,
    string Department,
    string QuestionExcerpt,
    string LinkUrl,
    DateTimeOffset Deadline,
    IReadOnlyList<string> RubricCriteria,
    MailKind Kind = MailKind.Request,
    int Sequence = 0)
{
    public string ItemId => Assignment.ItemId;

    public int Round => Assignment.Round;
}
