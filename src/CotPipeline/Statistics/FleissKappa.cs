namespace CotPipeline.Statistics;

/// <summary>Fleiss' kappa for many raters assigning subjects to nominal categories (Fleiss, 1971).</summary>
public static class FleissKappa
{
    /// <summary>Computes kappa from a subjects × categories table of rating counts.</summary>
    /// <param name="counts">
    /// One row per subject, one column per category; each cell is how many raters put that subject in that category.
    /// Every row has the same number of categories and the same row total (raters per subject).
    /// </param>
    /// <returns>
    /// Kappa and N, the number of subjects. Value is null when there are no subjects, fewer than two raters per
    /// subject (no pairs of raters to agree), or every rating falls in one category (chance agreement is 1, so
    /// kappa is 0/0).
    /// </returns>
    /// <exception cref="ArgumentException">Rows differ in length or total, or a count is negative.</exception>
    public static AgreementResult Compute(IReadOnlyList<IReadOnlyList<int>> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var subjects = counts.Count;
        if (subjects == 0)
        {
            return new AgreementResult(null, 0);
        }

        var categories = counts[0].Count;
        var raters = counts[0].Sum();
        for (var i = 0; i < subjects; i++)
        {
            var row = counts[i];
            if (row.Count != categories)
            {
                throw new ArgumentException($"subject {i}: {row.Count} categories, but subject 0 has {categories}", nameof(counts));
            }

            if (row.Any(c => c < 0))
            {
                throw new ArgumentException($"subject {i}: a count is negative", nameof(counts));
            }

            if (row.Sum() != raters)
            {
                throw new ArgumentException($"subject {i}: {row.Sum()} ratings, but subject 0 has {raters}; Fleiss' kappa needs the same number of raters per subject", nameof(counts));
            }
        }

        if (raters < 2)
        {
            return new AgreementResult(null, subjects);
        }

        // P̄: mean over subjects of the share of agreeing rater pairs, Σ_j n_ij(n_ij − 1) / (n(n − 1)).
        var meanAgreement = counts.Average(row => row.Sum(c => (double)c * (c - 1)) / ((double)raters * (raters - 1)));

        // P_e: chance agreement from the overall share of ratings in each category.
        var chanceAgreement = 0.0;
        for (var j = 0; j < categories; j++)
        {
            var share = counts.Sum(row => (double)row[j]) / ((double)subjects * raters);
            chanceAgreement += share * share;
        }

        return chanceAgreement >= 1
            ? new AgreementResult(null, subjects)
            : new AgreementResult((meanAgreement - chanceAgreement) / (1 - chanceAgreement), subjects);
    }
}
