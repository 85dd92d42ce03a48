namespace CotPipeline.Statistics;

/// <summary>Cohen's kappa for two raters on an ordered integer scale, unweighted or quadratic-weighted.</summary>
/// <remarks>
/// κ_w = 1 − Σ w_ij o_ij / Σ w_ij e_ij, where o is the observed confusion matrix, e_ij = row_i · col_j / n the
/// matrix expected from its margins, and w the disagreement weight. With w = 1 off the diagonal this is the
/// unweighted (p_o − p_e) / (1 − p_e); quadratic weights are (i − j)² (the usual 1/(k − 1)² scaling cancels).
/// </remarks>
public static class CohenKappa
{
    /// <summary>Computes kappa over the pairs where both raters gave a rating.</summary>
    /// <param name="first">The first rater's ratings; null is missing.</param>
    /// <param name="second">The second rater's ratings of the same units in the same order; null is missing.</param>
    /// <param name="min">The lowest category of the scale.</param>
    /// <param name="max">The highest category of the scale.</param>
    /// <param name="weighting">How disagreements are weighted.</param>
    /// <returns>
    /// Kappa and N, the number of complete pairs. Value is null when there are no complete pairs or when chance
    /// disagreement is 0 (both raters used one and the same category throughout), since kappa is then 0/0.
    /// </returns>
    /// <exception cref="ArgumentException">The lists differ in length, <paramref name="min"/> exceeds <paramref name="max"/>, or a rating is off the scale.</exception>
    public static AgreementResult Compute(
        IReadOnlyList<int?> first,
        IReadOnlyList<int?> second,
        int min,
        int max,
        CohenKappaWeighting weighting)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (first.Count != second.Count)
        {
            throw new ArgumentException($"the raters rated {first.Count} and {second.Count} units; the lists must pair up", nameof(second));
        }

        if (min > max)
        {
            throw new ArgumentException($"scale minimum {min} is above maximum {max}", nameof(min));
        }

        var k = max - min + 1;
        var observed = new double[k, k];
        var n = 0;
        for (var u = 0; u < first.Count; u++)
        {
            if (first[u] is not { } a || second[u] is not { } b)
            {
                continue;
            }

            if (a < min || a > max || b < min || b > max)
            {
                throw new ArgumentException($"unit {u}: ratings {a} and {b}, but the scale is {min}–{max}", nameof(first));
            }

            observed[a - min, b - min]++;
            n++;
        }

        if (n == 0)
        {
            return new AgreementResult(null, 0);
        }

        var rows = new double[k];
        var columns = new double[k];
        for (var i = 0; i < k; i++)
        {
            for (var j = 0; j < k; j++)
            {
                rows[i] += observed[i, j];
                columns[j] += observed[i, j];
            }
        }

        var observedDisagreement = 0.0;
        var expectedDisagreement = 0.0;
        for (var i = 0; i < k; i++)
        {
            for (var j = 0; j < k; j++)
            {
                var weight = weighting switch
                {
                    CohenKappaWeighting.Unweighted => i == j ? 0 : 1,
                    CohenKappaWeighting.Quadratic => (double)(i - j) * (i - j),
                    _ => throw new ArgumentOutOfRangeException(nameof(weighting), weighting, "unknown weighting"),
                };
                observedDisagreement += weight * observed[i, j];
                expectedDisagreement += weight * rows[i] * columns[j] / n;
            }
        }

        return expectedDisagreement == 0
            ? new AgreementResult(null, n)
            : new AgreementResult(1 - observedDisagreement / expectedDisagreement, n);
    }
}
