using Azure;
using Azure.Data.Tables;
using CotPipeline.Links;
using CotPipeline.Mail;
using CotPipeline.Models;
using CotPipeline.Storage;

namespace CotPipeline.Activities;

/// <summary>
/// E-mails reviewers (or an adjudicator) their personal signed link: the first request, a reminder with the new deadline,
/// or an adjudication request. The link id is stored on the assignment before anything is sent, so a retried step sends
/// the same link; the mailer sends each (assignment, kind, sequence) once. An assignment answered in the meantime gets nothing.
/// </summary>
public sealed class SendReviewRequests(CotStore store, ReviewLinkSigner signer, ReviewMailer mailer, TimeProvider clock)
{
    /// <summary>Characters of the question quoted in the e-mail; the whole question is on the page.</summary>
    public const int QuestionExcerptChars = 160;

    /// <summary>Number of e-mails this call sent (a retry that finds them sent returns fewer).</summary>
    public async Task<int> RunAsync(SendReviewRequestsInput input)
    {
        var item = await store.KeptItemAsync(input.BatchId, input.ItemId);
        var settings = await store.ReadSettingsAsync(input.BatchId);
        var criteria = settings.Rubric.Select(c => c.Name).ToList();
        var sent = 0;
        foreach (var reviewerId in input.ReviewerIds)
        {
            var id = new AssignmentId(input.BatchId, input.ItemId, input.Round, reviewerId);
            var assignment = await store.GetRowAsync<AssignmentRow>(store.Assignments, reviewerId, id.ToString())
                ?? throw new InvalidOperationException($"Assignment {id} has no Assignments row.");
            var reviewer = await store.GetRowAsync<ReviewerRow>(store.Reviewers, ReviewerRow.Partition, reviewerId)
                ?? throw new InvalidOperationException($"Reviewer {reviewerId} of assignment {id} is not in the registry.");
            if (await LinkOfAsync(assignment, id, input) is not { } link)
            {
                continue;
            }

            var mail = new ReviewRequestMail(id, reviewer.Name, reviewer.Email, item.Department, Excerpt(item.Question),
                signer.Url(link), assignment.Deadline,
                criteria, input.Kind, input.Sequence);
            if (await mailer.SendAsync(mail))
            {
                sent++;
            }
        }

        return sent;
    }

    /// <summary>
    /// The assignment's link, made and stored on first use; null when the assignment is no longer open. A reminder or a repeated
    /// adjudication request moves the deadline (and renews a link that would expire before it: the old link then answers
    /// "replaced"). Writes are conditional, so two runs of this step agree on one link.
    /// </summary>
    private async Task<ReviewLink?> LinkOfAsync(AssignmentRow assignment, AssignmentId id, SendReviewRequestsInput input)
    {
        while (true)
        {
            if (assignment.Status != AssignmentStatus.Open)
            {
                return null;
            }

            var now = clock.GetUtcNow();
            var changed = false;
            if (input.Kind != MailKind.Request && assignment.Reminders < input.Sequence)
            {
                assignment.Reminders = input.Sequence;
                assignment.Deadline = new DateTimeOffset(input.Deadline, TimeSpan.Zero);
                changed = true;
            }

            if (assignment.LinkId is null || assignment.LinkExpiresAt is null || assignment.LinkExpiresAt <= assignment.Deadline)
            {
                var fresh = signer.NewLink(id, now, assignment.Deadline);
                assignment.LinkId = fresh.LinkId;
                assignment.LinkExpiresAt = fresh.ExpiresAt;
                changed = true;
            }

            if (!changed)
            {
                return new ReviewLink(id, assignment.LinkExpiresAt!.Value, assignment.LinkId!);
            }

            try
            {
                await store.Assignments.UpdateEntityAsync(assignment, assignment.ETag, TableUpdateMode.Replace);
                return new ReviewLink(id, assignment.LinkExpiresAt!.Value, assignment.LinkId!);
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                // Another run of this step (or a submission) changed the row first: start again from what it wrote.
                assignment = await store.GetRowAsync<AssignmentRow>(store.Assignments, id.ReviewerId, id.ToString())
                    ?? throw new InvalidOperationException($"Assignment {id} disappeared.", e);
            }
        }
    }

    private static string Excerpt(string question) =>
        question.Length <= QuestionExcerptChars ? question : string.Concat(question.AsSpan(0, QuestionExcerptChars), "…");
}
