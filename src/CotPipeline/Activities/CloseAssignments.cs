using Azure;
using Azure.Data.Tables;
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
            var row = await store.GetRowAsync<AssignmentRow>(store.Assignments, reviewerId, id.ToString());
            if (row is null || row.Status != AssignmentStatus.Open)
            {
                continue;
            }

            // Uncounted first: a retry after a crash between the two finds the assignment still open and finishes it.
            await store.Workloads.CloseAsync(id);
            row.Status = AssignmentStatus.Reassigned;
            try
            {
                await store.Assignments.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace);
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                // The review arrived at this very moment: the submission marked it submitted; leave it so.
            }
        }
    }
}
