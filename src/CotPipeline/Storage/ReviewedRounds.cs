using CotPipeline.Domain;

namespace CotPipeline.Storage;

/// <summary>
/// The counted reviews of one item grouped by round, from its Reviews rows in key order (round, then reviewer). One rule for
/// both places that gather them: <c>FinalizeItem</c> (into the VerifiedItems row) and the export (for items without one, and
/// in its pass over a batch's reviews).
/// </summary>
public static class ReviewedRounds
{
    /// <summary>The rounds of <paramref name="rows"/>, all of one item and in key order; reviews not counted are left out.</summary>
    public static IReadOnlyList<ReviewedRound> Of(IEnumerable<ReviewRow> rows)
    {
        var rounds = new List<ReviewedRound>();
        var reviews = new List<ScoredReview>();
        foreach (var row in rows.Where(r => r.Counted))
        {
            var review = Json.Deserialize<Review>(row.ReviewJson);
            if (rounds.Count == 0 || rounds[^1].Round != review.Round)
            {
                reviews = [];
                rounds.Add(new ReviewedRound(review.Round, review.Version, reviews));
            }

            reviews.Add(new ScoredReview(review.ReviewerId, review.Verdict, review.Scores));
        }

        return rounds;
    }

    /// <summary>The rounds of one item, read with one query of its Reviews partition.</summary>
    public static async Task<IReadOnlyList<ReviewedRound>> ReadAsync(CotStore store, string batchId, string itemId, CancellationToken ct = default)
    {
        var rows = new List<ReviewRow>();
        await foreach (var row in CotStore.PartitionAsync<ReviewRow>(store.Reviews, ReviewRow.PartitionFor(batchId, itemId), ct))
        {
            rows.Add(row);
        }

        return Of(rows);
    }

    /// <summary>
    /// The rounds of one item that reached <paramref name="decisions"/>: the reviews each decision counted, read by key (kept copies
    /// when there are: consensus just read them). A query of the
    /// item's partition would find the same rows, but Azurite scans and sorts the whole table for every query, once per item here.
    /// </summary>
    public static async Task<IReadOnlyList<ReviewedRound>> ReadAsync(CotStore store, string batchId, string itemId, IEnumerable<RoundDecision> decisions)
    {
        var keys = decisions.SelectMany(d => d.Reviewers.Select(reviewer => (d.Round, Reviewer: reviewer))).Distinct()
            .OrderBy(k => ReviewRow.RowFor(k.Round, k.Reviewer), StringComparer.Ordinal);
        var rows = await Task.WhenAll(keys.Select(key => store.ReviewAsync(batchId, itemId, key.Round, key.Reviewer)));
        return Of(rows.OfType<ReviewRow>());
    }
}
