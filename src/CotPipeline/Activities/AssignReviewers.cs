using CotPipeline.Domain;
using CotPipeline.Models;
using CotPipeline.Storage;

namespace CotPipeline.Activities;

/// <summary>
/// Picks reviewers for a round: active reviewers ranked by the batch's <see cref="ReviewerRouting"/> (the item's
/// department, then its fallback departments in order, then others if allowed), least open work first within a rank, a
/// rotation by item among equals; never anyone excluded (the version's author, reviewers already asked in this round),
/// never above capacity. The choice is recorded first (<see cref="RoundAssignments"/>), so a retry hands back the same
/// reviewers; then each gets one Assignments row (deterministic id) and is counted in its <see cref="Workloads"/> once.
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

        var now = clock.GetUtcNow();
        var path = CotStore.RoundAssignmentsPath(input.BatchId, input.ItemId, input.Round);
        var key = CallKey(input, item.Retries);
        List<string> chosen;
        // The round's first call (nobody asked in it yet) nearly always finds no record: it chooses, then creates the record
        // (create-only), and reads what is there only when that fails (a retry of this call, a retried item's earlier run) or
        // when it chose nobody (an earlier run may have chosen someone).
        var assumeNone = !input.RoundHasReviewers;
        while (true)
        {
            var (record, etag) = assumeNone ? (null, null) : await store.ReadJsonWithETagAsync<RoundAssignments>(path);
            if (record?.Calls.FirstOrDefault(c => c.Key == key) is { } earlier)
            {
                // A retry of this step (the first run's result never reached the orchestrator, e.g. the host was killed).
                chosen = [.. earlier.ReviewerIds];
                break;
            }

            chosen = await ChooseAsync(input, item, [.. record?.Asked() ?? []], now);
            if (chosen.Count == 0 && assumeNone)
            {
                assumeNone = false;
                continue;
            }

            if (chosen.Count == 0 || await store.SaveJsonAsync(path, new RoundAssignments([.. record?.Calls ?? [], new AssignmentCall(key, chosen)]), etag))
            {
                // Nobody chosen is not recorded: asking again later is a new choice.
                break;
            }

            // Another copy of this step, or another call of this round, recorded first (or the record assumed missing was there):
            // read again.
            assumeNone = false;
        }

        var assigned = new List<string>();
        foreach (var reviewerId in chosen)
        {
            if (await OpenAsync(new AssignmentId(input.BatchId, input.ItemId, input.Round, reviewerId), input, now))
            {
                assigned.Add(reviewerId);
            }
        }

        // Nobody else is open in the round, so the item's next wait ends at these reviewers' deadline: armed here rather than by an
        // ArmDeadline step of its own, in the transaction of the item's change when there is one (a request fewer).
        var deadline = input.ArmDeadline && assigned.Count > 0 ? ReviewDeadlines.Row(input.BatchId, input.ItemId, input.Round, input.Deadline) : null;
        var changed = await store.UpdateItemAsync(item, row =>
        {
            if (input.Round < row.Round || input.Version < row.CurrentVersion)
            {
                return false;
            }

            row.Round = input.Round;
            row.State = (assigned.Count > 0 || input.RoundHasReviewers ? ItemState.InReview : ItemState.AwaitingReviewer).Name();
            return true;
        }, now, deadline);
        if (deadline is not null && !changed)
        {
            await ReviewDeadlines.ArmAsync(store, input.BatchId, input.ItemId, input.Round, input.Deadline);
        }

        return assigned;
    }

    private async Task<List<string>> ChooseAsync(
        AssignReviewersInput input, ItemRow item, HashSet<string> asked, DateTimeOffset now)
    {
        var routing = (await store.ReadSettingsAsync(input.BatchId)).Routing;
        var workloads = await store.Workloads.ViewAsync();
        var registry = await store.RoutingRegistryAsync(input.BatchId);

        // At most one reviewer per call is checked against its assignments (the one longest unchecked), so counts that drifted
        // (a host killed between an assignment's write and its marker's) are set right within the hour without slowing routing.
        var stale = registry
            .Where(r => r.Active)
            .Select(r => (Id: r.RowKey, At: workloads.GetValueOrDefault(r.RowKey)?.CheckedAt))
            .Where(r => r.At is null || now - r.At > Workloads.RecheckAfter)
            .OrderBy(r => r.At ?? DateTimeOffset.MinValue)
            .ThenBy(r => Spin(input.ItemId, input.Round, r.Id))
            .FirstOrDefault();
        if (stale.Id is not null && await store.Workloads.RecountAsync(stale.Id, stale.At, now) is { } recounted)
        {
            workloads[stale.Id] = new Workload(recounted, now);
        }

        var candidates = new List<(ReviewerRow Reviewer, int Rank, int Open, uint Spin)>();
        foreach (var reviewer in registry)
        {
            // Never the author, never twice in a round.
            if (!reviewer.Active || input.Exclude.Contains(reviewer.RowKey) || asked.Contains(reviewer.RowKey)
                || routing.Rank(reviewer.Departments, item.Department) is not { } rank)
            {
                continue;
            }

            var open = workloads.GetValueOrDefault(reviewer.RowKey)?.Open ?? 0;
            if (open < reviewer.Capacity)
            {
                candidates.Add((reviewer, rank, open, Spin(input.ItemId, input.Round, reviewer.RowKey)));
            }
        }

        var chosen = candidates
            .OrderBy(c => c.Rank)
            .ThenBy(c => c.Open)
            .ThenBy(c => c.Spin)
            .ThenBy(c => c.Reviewer.RowKey, StringComparer.Ordinal)
            .Take(input.Count)
            .Select(c => c.Reviewer.RowKey)
            .ToList();
        return chosen;
    }

    /// <summary>
    /// Writes a chosen reviewer's open assignment and counts it. False when the reviewer cannot take it after all: an assignment
    /// of this round already exists and was closed, or is for another version (a run of the item that failed and was retried).
    /// </summary>
    private async Task<bool> OpenAsync(AssignmentId id, AssignReviewersInput input, DateTimeOffset now)
    {
        var row = AssignmentRow.Open(id, input.Round, input.Version, AssignmentKind.Review, now, input.Deadline);
        if (await store.AddIfMissingAsync(store.Assignments, row))
        {
            // The e-mail step reads it next.
            store.KeepRow(input.BatchId, store.Assignments, row, now);
        }
        else
        {
            // Written by an earlier run of this step: the same reviewer again, even if it already submitted (the event is
            // waiting), and counted once whatever the run that wrote it managed to do.
            var existing = await store.GetRowAsync<AssignmentRow>(store.Assignments, id.ReviewerId, id.ToString());
            if (existing is null || AssignmentStatus.IsClosed(existing.Status) || existing.Version != input.Version)
            {
                return false;
            }

            if (existing.Status != AssignmentStatus.Open)
            {
                return true;
            }
        }

        await store.Workloads.OpenAsync(id);
        return true;
    }

    /// <summary>What one call of this step was asked: a retry asks exactly the same, another call of the round does not.</summary>
    private static string CallKey(AssignReviewersInput input, int retries) =>
        $"r{retries}.v{input.Version}.n{input.Count}.x{string.Join('+', input.Exclude.Order(StringComparer.Ordinal))}";

    /// <summary>A stable pseudo-random order per item and round, so equally loaded reviewers take turns.</summary>
    private static uint Spin(string itemId, int round, string reviewerId) => StableHash.Of($"{itemId}\u0001{round}\u0001{reviewerId}");
}
