namespace CotPipeline.Statistics;

/// <summary>The plain share of units on which all raters gave the same rating, without any correction for chance.</summary>
public static class ExactAgreement
{
    /// <summary>Computes the percentage of units with at least two ratings on which every present rating is equal.</summary>
    /// <param name="units">One row per unit with each rater's rating; null is missing. Rows may differ in length.</param>
    /// <returns>
    /// The percentage (0–100) and N, the number of units with at least two ratings. Units with fewer are skipped,
    /// as one rating agrees with nothing. Value is null when no unit has two ratings.
    /// </returns>
    public static AgreementResult Percent(IReadOnlyList<IReadOnlyList<double?>> units)
    {
        ArgumentNullException.ThrowIfNull(units);
        var rated = 0;
        var agreed = 0;
        foreach (var unit in units)
        {
            var present = unit.OfType<double>().ToArray();
            if (present.Length < 2)
            {
                continue;
            }

            rated++;
            if (present.All(v => v == present[0]))
            {
                agreed++;
            }
        }

        return rated == 0 ? new AgreementResult(null, 0) : new AgreementResult(100.0 * agreed / rated, rated);
    }
}
