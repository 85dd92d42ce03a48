using CotPipeline.Models;
using CotPipeline.Storage;

namespace CotPipeline.Activities;

/// <summary>
/// At a review deadline: which of the late reviewers did submit after all. A review is stored before its event is raised to the
/// item, so a host that dies between the two leaves a counted review the item never heard of. Found here, its assignment is
/// finished (no longer open work, marked submitted) and the item counts it as if its event had come, instead of reminding the
/// reviewer and, in the end, reassigning a review that was never lost.
/// </summary>
public sealed class RecoverReviews(CotStore store)
{
    public async Task<List<string>> RunAsync(RecoverReviewsInput input)
    {
        // Point reads of the late reviewers' rows: a query of the round would scan the whole Reviews table on the emulator.
        var stored = (await store.ReviewsOfRoundAsync(input.BatchId, input.ItemId, input.Round, input.ReviewerIds))
            .Where(r => r.Counted)
            .Select(r => r.ReviewerId)
            .ToList();
        foreach (var reviewerId in stored)
        {
            var id = new AssignmentId(input.BatchId, input.ItemId, input.Round, reviewerId);
            if (await store.GetRowAsync<AssignmentRow>(store.Assignments, reviewerId, id.ToString()) is { Status: AssignmentStatus.Open } assignment)
            {
                await store.MarkSubmittedAsync(id, assignment);
            }
        }

        return stored;
    }
}
