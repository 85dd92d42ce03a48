using CotPipeline.Models;
using CotPipeline.Storage;

namespace CotPipeline.Activities;

/// <summary>
/// Reassigns the still-open assignments of a round whose deadline and reminders passed: their links then answer
/// "reassigned", and a review sent on them later is kept but not counted.
/// </summary>
public sealed class CloseAssignments(CotStore store)
{
    public async Task RunAsync(CloseAssignmentsInput input)
    {
        foreach (var reviewerId in input.ReviewerIds)
        {
            var id = new AssignmentId(input.BatchId, input.ItemId, input.Round, reviewerId);
            // Reassigned only while it is open: a review that arrived first has marked it submitted, and it stays so. Its open-work
            // marker goes first, so a retry after a crash between the two finds it still open and finishes it.
            var row = await store.GetRowAsync<AssignmentRow>(store.Assignments, reviewerId, id.ToString());
            await store.EndIfOpenAsync(id, row, AssignmentStatus.Reassigned);
        }
    }
}
