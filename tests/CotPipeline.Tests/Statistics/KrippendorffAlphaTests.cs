using CotPipeline.Statistics;

namespace CotPipeline.Tests.Statistics;

public sealed class KrippendorffAlphaTests
{
    // Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the example of 4 observers × 12 units with
    // missing data, written as in the paper (one row per observer A–D). Unit 12 has a single value and is dropped,
    // leaving n = 40 pairable values.
    private static readonly double?[][] PaperObservers =
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, null, null, null],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, null, 3],
        [null, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, null],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, null],
    ];

    // The API takes units × coders, so turn the paper's observers × units around.
    private static double?[][] PaperUnits() =>
        Enumerable.Range(0, PaperObservers[0].Length)
            .Select(u => PaperObservers.Select(o => o[u]).ToArray())
            .ToArray();

    [Theory]
    [InlineData(KrippendorffMetric.Nominal, 0.743)]
    [InlineData(KrippendorffMetric.Interval, 0.849)]
    // 0.815 is the ordinal value I recall the paper reporting but could not read in the paper here; an independent
    // script of the paper's formulas gives 0.81539, so the expectation is confirmed by calculation, not by citation.
    [InlineData(KrippendorffMetric.Ordinal, 0.815)]
    public void Compute_PaperExampleWithMissingData_ReproducesPublishedAlpha(KrippendorffMetric metric, double expected)
    {
        var result = KrippendorffAlpha.Compute(PaperUnits(), metric);

        Assert.Equal(40, result.N);
        Assert.NotNull(result.Value);
        Assert.Equal(expected, result.Value.Value, 3);
    }

    [Theory]
    [InlineData(KrippendorffMetric.Nominal)]
    [InlineData(KrippendorffMetric.Ordinal)]
    [InlineData(KrippendorffMetric.Interval)]
    public void Compute_AllCodersAgreeOnVaryingValues_IsOne(KrippendorffMetric metric)
    {
        double?[][] units = [[1, 1], [2, 2, 2], [3, 3]];

        var result = KrippendorffAlpha.Compute(units, metric);

        Assert.Equal(new AgreementResult(1.0, 7), result);
    }

    [Theory]
    [InlineData(KrippendorffMetric.Nominal)]
    [InlineData(KrippendorffMetric.Ordinal)]
    [InlineData(KrippendorffMetric.Interval)]
    public void Compute_EveryValueTheSame_IsUndefined(KrippendorffMetric metric)
    {
        // Perfect agreement, but with no variation there is nothing chance could have got wrong: α = 0/0.
        double?[][] units = [[3, 3], [3, 3, 3]];

        var result = KrippendorffAlpha.Compute(units, metric);

        Assert.Equal(new AgreementResult(null, 5), result);
    }

    [Fact]
    public void Compute_TwoCodersAlwaysSwapped_IsMinusOneHalf()
    {
        // Units (1,2) and (2,1). Each unit has m = 2, so each ordered pair adds 1/(m − 1) = 1:
        //   o_12 = 2, o_21 = 2, o_11 = o_22 = 0; n_1 = 2, n_2 = 2; n = 4.
        //   Σ o_ck δ² = 2 + 2 = 4; Σ n_c n_k δ² = 2·2 + 2·2 = 8 (δ² = 1 off the diagonal for nominal).
        //   α = 1 − (n − 1) · 4 / 8 = 1 − 3 · 0.5 = −0.5.
        double?[][] units = [[1, 2], [2, 1]];

        var result = KrippendorffAlpha.Compute(units, KrippendorffMetric.Nominal);

        Assert.Equal(new AgreementResult(-0.5, 4), result);
    }

    [Fact]
    public void Compute_MissingRatings_DropsLoneValuesAndPairsTheRest()
    {
        // Unit 3 has one value and is dropped; units 1 and 2 leave {1,2} and {2,2}.
        //   o_12 = 1, o_21 = 1, o_22 = 2; n_1 = 1, n_2 = 3; n = 4.
        //   Σ o_ck δ² = 1 + 1 = 2; Σ n_c n_k δ² = 1·3 + 3·1 = 6.
        //   α = 1 − 3 · 2 / 6 = 0.
        double?[][] units = [[1, null, 2], [null, 2, 2], [3, null, null]];

        var result = KrippendorffAlpha.Compute(units, KrippendorffMetric.Nominal);

        Assert.Equal(new AgreementResult(0.0, 4), result);
    }

    [Fact]
    public void Compute_OneCoderOnly_IsUndefinedWithNoPairableValues()
    {
        double?[][] units = [[1], [2], [3]];

        var result = KrippendorffAlpha.Compute(units, KrippendorffMetric.Interval);

        Assert.Equal(new AgreementResult(null, 0), result);
    }

    [Fact]
    public void Compute_EmptyInput_IsUndefinedWithNoPairableValues()
    {
        var result = KrippendorffAlpha.Compute([], KrippendorffMetric.Nominal);

        Assert.Equal(new AgreementResult(null, 0), result);
    }

    [Fact]
    public void Compute_NaNValue_ThrowsNamingTheUnit()
    {
        double?[][] units = [[1, 2], [double.NaN, 2]];

        var ex = Assert.Throws<ArgumentException>(() => KrippendorffAlpha.Compute(units, KrippendorffMetric.Interval));

        Assert.StartsWith("unit 1:", ex.Message, StringComparison.Ordinal);
    }
}
