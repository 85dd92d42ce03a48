using System.Diagnostics;
using CotPipeline.Benchmarks.Seeding;
using CotPipeline.Domain;
using CotPipeline.Http;
using CotPipeline.Options;

namespace CotPipeline.Benchmarks;

/// <summary>
/// Reviewers who answer every open assignment of a batch through the operator API (<c>POST /api/reviews</c>, the path the review
/// page takes too): in round 1, 30% of the items are sent back for revision with a critique; everything else is accepted.
/// </summary>
internal static class SimulatedReviewers
{
    public const double RevisedShare = 0.3;

    private static readonly string[] Criteria = [.. RubricOptions.Default().Criteria.Select(c => c.Id)];

    public static bool Accepts(string itemId, int round) => round > 1 || Pairs.Index(itemId) % 10 >= RevisedShare * 10;

    /// <summary>The review of an assignment: top scores and accept, or low scores, needs-revision and a critique.</summary>
    public static ReviewRequest Review(string assignmentId, bool accept) => new(
        assignmentId,
        accept ? Verdict.Accept : Verdict.NeedsRevision,
        Criteria.ToDictionary(c => c, _ => accept ? 5 : 2),
        accept ? [] : new Dictionary<string, string> { ["reasoning_structure"] = "Rule out the other options explicitly." },
        null);

    /// <summary>Answers assignments as they open until every item of the batch is finished.</summary>
    public static async Task AnswerUntilFinishedAsync(OperatorApi api, string batchId, TimeSpan timeout, Report report, CancellationToken ct)
    {
        var answered = new HashSet<string>();
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        while (true)
        {
            var (finished, items) = await api.ProgressAsync(batchId, ct);
            if (finished == items)
            {
                return;
            }

            if (clock.Elapsed - lastReport > TimeSpan.FromSeconds(15))
            {
                lastReport = clock.Elapsed;
                report.Line($"{finished:N0} of {items:N0} items finished, {answered.Count:N0} reviews submitted");
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Only {finished} of {items} items finished after {timeout.TotalMinutes:0} minutes.");
            }

            var fresh = (await api.OpenAssignmentsAsync(batchId, ct)).Where(a => answered.Add(a.AssignmentId)).ToList();
            await Parallel.ForEachAsync(fresh, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (a, token) =>
                await api.ReviewAsync(Review(a.AssignmentId, Accepts(a.ItemId, a.Round)), token));
            if (fresh.Count == 0)
            {
                await Task.Delay(500, ct);
            }
        }
    }
}
