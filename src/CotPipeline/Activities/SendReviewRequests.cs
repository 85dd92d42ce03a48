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
            // The row as routing wrote it, when this process did (LinkOfAsync reads it again unless it writes it conditionally).
            var kept = store.KeptRow<AssignmentRow>(store.Assignments, reviewerId, id.ToString());
            var assignment = kept ?? await ReadAssignmentAsync(id);
            // The registry as routing read it when it chose this reviewer (or since), if it was here; a reminder reads it again.
            var reviewer = (input.Kind == MailKind.Request
                    ? store.KeptRow<ReviewerRow>(store.Reviewers, ReviewerRow.Partition, reviewerId, store.RegistryReadNotBefore(assignment.CreatedAt))
                    : null)
                ?? await store.GetRowAsync<ReviewerRow>(store.Reviewers, ReviewerRow.Partition, reviewerId)
                ?? throw new InvalidOperationException($"Reviewer {reviewerId} of assignment {id} is not in the registry.");
            if (await LinkOfAsync(assignment, kept is not null, id, input) is not var (link, stored, first))
            {
                continue;
            }

            var mail = new ReviewRequestMail(id, reviewer.Name, reviewer.Email, item.Department, Excerpt(item.Question),
                signer.Url(link), stored.Deadline,
                criteria, input.Kind, input.Sequence);
            if (await mailer.SendAsync(mail, neverSent: first))
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
    /// <returns>
    /// The link, the assignment as stored with it, and whether this call's write is what first made it ready for this e-mail (the first link of the assignment, or
    /// its reminder count raised to this e-mail's): every e-mail is sent only after such a write, so none of this kind and sequence
    /// can have been sent before, and the mailer need not look for its marker.
    /// </returns>
    private async Task<(ReviewLink Link, AssignmentRow Stored, bool First)?> LinkOfAsync(AssignmentRow assignment, bool kept, AssignmentId id, SendReviewRequestsInput input)
    {
        while (true)
        {
            if (assignment.Status != AssignmentStatus.Open)
            {
                if (kept)
                {
                    (assignment, kept) = (await ReadAssignmentAsync(id), false);
                    continue;
                }

                return null;
            }

            var now = clock.GetUtcNow();
            var changed = false;
            var first = false;
            if (input.Kind != MailKind.Request && assignment.Reminders < input.Sequence)
            {
                assignment.Reminders = input.Sequence;
                assignment.Deadline = new DateTimeOffset(input.Deadline, TimeSpan.Zero);
                changed = first = true;
            }

            if (assignment.LinkId is null || assignment.LinkExpiresAt is null || assignment.LinkExpiresAt <= assignment.Deadline)
            {
                first |= assignment.LinkId is null;
                var fresh = signer.NewLink(id, now, assignment.Deadline);
                assignment.LinkId = fresh.LinkId;
                assignment.LinkExpiresAt = fresh.ExpiresAt;
                changed = true;
            }

            var link = new ReviewLink(id, assignment.LinkExpiresAt!.Value, assignment.LinkId!);
            if (!changed)
            {
                if (kept)
                {
                    // Sent on what is stored, not on a copy that may be out of date (answered or closed since).
                    (assignment, kept) = (await ReadAssignmentAsync(id), false);
                    continue;
                }

                return (link, assignment, false);
            }

            try
            {
                // Only the columns this step sets, if the row is still as read (on Azurite a merge changes the row in place, where a
                // replace removes and inserts it, each a pass over every row of the table).
                var change = new TableEntity(assignment.PartitionKey, assignment.RowKey)
                {
                    [nameof(AssignmentRow.LinkId)] = assignment.LinkId,
                    [nameof(AssignmentRow.LinkExpiresAt)] = assignment.LinkExpiresAt,
                    [nameof(AssignmentRow.Reminders)] = assignment.Reminders,
                    [nameof(AssignmentRow.Deadline)] = assignment.Deadline,
                };
                await store.Assignments.UpdateEntityAsync(change, assignment.ETag, TableUpdateMode.Merge);
                return (link, assignment, first);
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                // Another run of this step (or a submission) changed the row first, or the copy was out of date: start again from
                // what is stored.
                (assignment, kept) = (await store.GetRowAsync<AssignmentRow>(store.Assignments, id.ReviewerId, id.ToString())
                    ?? throw new InvalidOperationException($"Assignment {id} disappeared.", e), false);
            }
        }
    }

    private async Task<AssignmentRow> ReadAssignmentAsync(AssignmentId id) =>
        await store.GetRowAsync<AssignmentRow>(store.Assignments, id.ReviewerId, id.ToString())
        ?? throw new InvalidOperationException($"Assignment {id} has no Assignments row.");

    private static string Excerpt(string question) =>
        question.Length <= QuestionExcerptChars ? question : string.Concat(question.AsSpan(0, QuestionExcerptChars), "…");
}
