using CotPipeline.Statistics;

namespace CotPipeline.Tests.Statistics;

public sealed class CohenKappaTests
{
    // Expands a confusion matrix (rows: first rater, columns: second rater, categories min..) into paired ratings.
    private static (int?[] First, int?[] Second) Pairs(int min, int[][] matrix)
    {
        var pairs = matrix
            .SelectMany((row, i) => row.SelectMany((count, j) => Enumerable.Repeat((min + i, min + j), count)))
            .ToArray();
        return (pairs.Select(p => (int?)p.Item1).ToArray(), pairs.Select(p => (int?)p.Item2).ToArray());
    }

    [Fact]
    public void Compute_TextbookTwoByTwoUnweighted_IsZeroPointFour()
    {
        // 50 applications, No = 0, Yes = 1. Both yes 20, A yes / B no 5, A no / B yes 10, both no 15.
        //   p_o = (20 + 15) / 50 = 0.70.
        //   A says yes 25/50 = 0.5, B says yes 30/50 = 0.6: p_e = 0.5·0.6 + 0.5·0.4 = 0.30 + 0.20 = 0.50.
        //   κ = (p_o − p_e) / (1 − p_e) = (0.70 − 0.50) / 0.50 = 0.40.
        var (first, second) = Pairs(0, [[15, 10], [5, 20]]);

        var result = CohenKappa.Compute(first, second, 0, 1, CohenKappaWeighting.Unweighted);

        Assert.Equal(50, result.N);
        Assert.NotNull(result.Value);
        Assert.Equal(0.4, result.Value.Value, 12);
    }

    [Fact]
    public void Compute_ThreeCategoryQuadraticWeighted_MatchesHandComputation()
    {
        // Scale 1–3, 10 pairs. Observed counts o (rows: first rater, columns: second rater):
        //   [2 2 0]   row totals 4, 4, 2
        //   [0 3 1]   column totals 2, 6, 2
        //   [0 1 1]
        // Expected e_ij = row_i · col_j / 10:
        //   [0.8 2.4 0.8]
        //   [0.8 2.4 0.8]
        //   [0.4 1.2 0.4]
        // Quadratic weights w_ij = (i − j)²:
        //   [0 1 4]
        //   [1 0 1]
        //   [4 1 0]
        // Σ w·o = 1·2 + 1·1 + 1·1 = 4.
        // Σ w·e = 1·2.4 + 4·0.8 + 1·0.8 + 1·0.8 + 4·0.4 + 1·1.2 = 2.4 + 3.2 + 0.8 + 0.8 + 1.6 + 1.2 = 10.
        // κ_w = 1 − 4 / 10 = 0.6.
        var (first, second) = Pairs(1, [[2, 2, 0], [0, 3, 1], [0, 1, 1]]);

        var result = CohenKappa.Compute(first, second, 1, 3, CohenKappaWeighting.Quadratic);

        Assert.Equal(10, result.N);
        Assert.NotNull(result.Value);
        Assert.Equal(0.6, result.Value.Value, 12);
    }

    [Theory]
    [InlineData(CohenKappaWeighting.Unweighted)]
    [InlineData(CohenKappaWeighting.Quadratic)]
    public void Compute_RatersAgreeOnVaryingCategories_IsOne(CohenKappaWeighting weighting)
    {
        var result = CohenKappa.Compute([1, 3, 5], [1, 3, 5], 1, 5, weighting);

        Assert.Equal(new AgreementResult(1.0, 3), result);
    }

    [Theory]
    [InlineData(CohenKappaWeighting.Unweighted)]
    [InlineData(CohenKappaWeighting.Quadratic)]
    public void Compute_BothRatersUseOneCategoryThroughout_IsUndefined(CohenKappaWeighting weighting)
    {
        var result = CohenKappa.Compute([4, 4, 4], [4, 4, 4], 1, 5, weighting);

        Assert.Equal(new AgreementResult(null, 3), result);
    }

    [Fact]
    public void Compute_RatersAlwaysSwapped_IsMinusOne()
    {
        // o_12 = o_21 = 1, all margins 1: p_o = 0, p_e = 0.5·0.5 + 0.5·0.5 = 0.5; κ = (0 − 0.5) / 0.5 = −1.
        var result = CohenKappa.Compute([1, 2], [2, 1], 1, 2, CohenKappaWeighting.Unweighted);

        Assert.Equal(new AgreementResult(-1.0, 2), result);
    }

    [Fact]
    public void Compute_MissingRatings_SkipsIncompletePairs()
    {
        // Complete pairs (1,1) and (1,2): o_11 = 1, o_12 = 1; row 1 total 2; column totals 1, 1.
        // e_11 = 2·1/2 = 1, e_12 = 2·1/2 = 1. Σ w·o = o_12 = 1; Σ w·e = e_12 = 1; κ = 1 − 1/1 = 0.
        var result = CohenKappa.Compute([1, null, 2, 1, null], [1, 2, null, 2, null], 1, 2, CohenKappaWeighting.Unweighted);

        Assert.Equal(new AgreementResult(0.0, 2), result);
    }

    [Fact]
    public void Compute_NoCompletePairs_IsUndefined()
    {
        var result = CohenKappa.Compute([1, null], [null, 2], 1, 5, CohenKappaWeighting.Quadratic);

        Assert.Equal(new AgreementResult(null, 0), result);
    }

    [Fact]
    public void Compute_EmptyInput_IsUndefined()
    {
        var result = CohenKappa.Compute([], [], 1, 5, CohenKappaWeighting.Unweighted);

        Assert.Equal(new AgreementResult(null, 0), result);
    }

    [Fact]
    public void Compute_RatingOffTheScale_ThrowsNamingTheUnit()
    {
        var ex = Assert.Throws<ArgumentException>(
            () => CohenKappa.Compute([1, 6], [1, 5], 1, 5, CohenKappaWeighting.Unweighted));

        Assert.StartsWith("unit 1: ratings 6 and 5, but the scale is 1–5", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compute_ListsOfDifferentLength_Throws()
    {
        Assert.Throws<ArgumentException>(() => CohenKappa.Compute([1, 2], [1], 1, 5, CohenKappaWeighting.Unweighted));
    }
}
