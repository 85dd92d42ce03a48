namespace CotPipeline.Statistics;

/// <summary>Krippendorff's alpha over a reliability data matrix with missing values, computed via the coincidence matrix.</summary>
/// <remarks>
/// Follows Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability":
/// α = 1 − (n − 1) · Σ o_ck δ²_ck / Σ n_c n_k δ²_ck, where o is the coincidence matrix, n_c its margins and n the
/// number of pairable values.
/// </remarks>
public static class KrippendorffAlpha
{
    /// <summary>Computes alpha for one variable (e.g. one rubric criterion) over all units (e.g. items).</summary>
    /// <param name="units">
    /// One row per unit with that unit's value from each coder; null is a missing rating. Rows may differ in length,
    /// so a varying number of reviewers per item needs no padding.
    /// </param>
    /// <param name="metric">The level of measurement of the values.</param>
    /// <returns>
    /// Alpha and n, the number of pairable values (values in units with at least two values). Units with fewer than
    /// two values are dropped, since a lone value cannot be compared with anything. Value is null when n is 0 (empty
    /// input, one coder only) or when every pairable value is the same (no variation: expected disagreement is 0).
    /// Alpha is 1 for perfect agreement, about 0 for chance agreement and below 0 for systematic disagreement.
    /// </returns>
    /// <exception cref="ArgumentException">A value is NaN or infinite.</exception>
    public static AgreementResult Compute(IReadOnlyList<IReadOnlyList<double?>> units, KrippendorffMetric metric)
    {
        ArgumentNullException.ThrowIfNull(units);

        var pairable = new List<double[]>();
        for (var u = 0; u < units.Count; u++)
        {
            var present = new List<double>();
            foreach (var value in units[u])
            {
                if (value is not { } v)
                {
                    continue;
                }

                if (!double.IsFinite(v))
                {
                    throw new ArgumentException($"unit {u}: value {v} is not a finite number", nameof(units));
                }

                present.Add(v);
            }

            if (present.Count >= 2)
            {
                pairable.Add([.. present]);
            }
        }

        var values = pairable.SelectMany(p => p).Distinct().Order().ToArray();
        var index = values.Select((v, i) => (v, i)).ToDictionary(p => p.v, p => p.i);

        // Each ordered pair of values from different coders within a unit adds 1/(m_u − 1), so every pairable value
        // contributes exactly 1 to the matrix however many coders rated its unit.
        var coincidences = new double[values.Length, values.Length];
        foreach (var unit in pairable)
        {
            var weight = 1.0 / (unit.Length - 1);
            for (var i = 0; i < unit.Length; i++)
            {
                for (var j = 0; j < unit.Length; j++)
                {
                    if (i != j)
                    {
                        coincidences[index[unit[i]], index[unit[j]]] += weight;
                    }
                }
            }
        }

        var margins = new double[values.Length];
        for (var c = 0; c < values.Length; c++)
        {
            for (var k = 0; k < values.Length; k++)
            {
                margins[c] += coincidences[c, k];
            }
        }

        var n = pairable.Sum(p => p.Length);
        var observed = 0.0;
        var expected = 0.0;
        for (var c = 0; c < values.Length; c++)
        {
            for (var k = 0; k < values.Length; k++)
            {
                var distance = SquaredDistance(metric, values, margins, c, k);
                observed += coincidences[c, k] * distance;
                expected += margins[c] * margins[k] * distance;
            }
        }

        // expected is 0 exactly when only one value occurs (or nothing is pairable): alpha is then 0/0.
        return expected == 0
            ? new AgreementResult(null, n)
            : new AgreementResult(1 - (n - 1) * observed / expected, n);
    }

    private static double SquaredDistance(KrippendorffMetric metric, double[] values, double[] margins, int c, int k) =>
        metric switch
        {
            KrippendorffMetric.Nominal => c == k ? 0 : 1,
            KrippendorffMetric.Ordinal => OrdinalSquaredDistance(margins, c, k),
            KrippendorffMetric.Interval => (values[c] - values[k]) * (values[c] - values[k]),
            _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "unknown metric"),
        };

    // Krippendorff's ordinal difference: (Σ_{g=c..k} n_g − (n_c + n_k)/2)², so ranks are spaced by how often the
    // values between them were used, not by their numeric gaps.
    private static double OrdinalSquaredDistance(double[] margins, int c, int k)
    {
        var (low, high) = c <= k ? (c, k) : (k, c);
        var between = 0.0;
        for (var g = low; g <= high; g++)
        {
            between += margins[g];
        }

        var d = between - (margins[c] + margins[k]) / 2;
        return d * d;
    }
}
