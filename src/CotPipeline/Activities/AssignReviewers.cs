using Azure.Data.Tables;
using CotPipeline.Domain;
using CotPipeline.Models;
using CotPipeline.Storage;

namespace CotPipeline.Activities;

/// <summary>
/// Picks reviewers for a round: active reviewers ranked by the batch's <see cref="ReviewerRouting"/> (the item's
/// department, then its fallback departments in order, then others if allowed), least open work first within a rank, a
/// rotation by item among equals; never anyone excluded (the version's author, reviewers already asked in this round),
/// never above capacity. Writes one Assignments row each (deterministic id, so a retry writes the same).
/// </summary>
public sealed class AssignReviewers(CotStore store, TimeProvider clock)
{
    public async Task<List<string>> RunAsync(AssignReviewersInput input)
    {
        var item = await store.GetRowAsync<ItemRow>(store.Items, input.BatchId, input.ItemId)
            ?? throw new InvalidOperationException($"Item {input.BatchId}/{input.ItemId} has no Items row.");
        if (ItemStates.Parse(item.State).IsFinal())
        {
            // Cancelled while this step was on its way: nobody is asked to review an item that has ended.
            return [];
        }

        var routing = (await store.ReadSettingsAsync(input.BatchId)).Routing;
        var candidates = new List<(ReviewerRow Reviewer, int Rank, int Open, uint Spin)>();
        await foreach (var reviewer in CotStore.PartitionAsync<ReviewerRow>(store.Reviewers, ReviewerRow.Partition))
        {
            if (!reviewer.Active || input.Exclude.Contains(reviewer.RowKey))
            {
                continue;
            }

            var assignmentId = new AssignmentId(input.BatchId, input.ItemId, input.Round, reviewer.RowKey).ToString();
            var existing = await store.GetRowAsync<AssignmentRow>(store.Assignments, reviewer.RowKey, assignmentId);
            if (existing is not null)
            {
                // A retry of this step (the first run's result never reached the orchestrator, e.g. the host was
                // killed): the same reviewers again, even if one of them already submitted — the event is waiting.
                // A reviewer whose assignment in this round was closed is never asked twice.
                if (!AssignmentStatus.IsClosed(existing.Status) && existing.Version == input.Version)
                {
                    candidates.Add((reviewer, 0, -1, 0));
                }

                continue;
            }

            if (routing.Rank(reviewer.Departments, item.Department) is not { } rank)
            {
                continue;
            }

            var open = await store.CountOpenAssignmentsAsync(reviewer.RowKey);
            if (open >= reviewer.Capacity)
            {
                continue;
            }

            candidates.Add((reviewer, rank, open, Spin(input.ItemId, input.Round, reviewer.RowKey)));
        }

        var chosen = candidates
            .OrderBy(c => c.Open < 0 ? 0 : 1)
            .ThenBy(c => c.Rank)
            .ThenBy(c => c.Open)
            .ThenBy(c => c.Spin)
            .ThenBy(c => c.Reviewer.RowKey, StringComparer.Ordinal)
            .Take(input.Count)
            .Select(c => c.Reviewer.RowKey)
            .ToList();

        var now = clock.GetUtcNow();
        foreach (var reviewerId in chosen.Where(id => candidates.Single(c => c.Reviewer.RowKey == id).Open >= 0))
        {
            await store.Assignments.UpsertEntityAsync(AssignmentRow.Open(new AssignmentId(input.BatchId, input.ItemId, input.Round, reviewerId),
                input.Round, input.Version, AssignmentKind.Review, now, input.Deadline), TableUpdateMode.Replace);
        }

        await store.UpdateItemAsync(input.BatchId, input.ItemId, row =>
        {
            if (input.Round < row.Round || input.Version < row.CurrentVersion)
            {
                return false;
            }

            row.Round = input.Round;
            row.State = (chosen.Count > 0 || input.RoundHasReviewers ? ItemState.InReview : ItemState.AwaitingReviewer).Name();
            return true;
        }, now);
        return chosen;
    }

    /// <summary>A stable pseudo-random order per item and round, so equally loaded reviewers take turns.</summary>
    private static uint Spin(string itemId, int round, string reviewerId) => StableHash.Of($"{itemId}\u0001{round}\u0001{reviewerId}");
}
