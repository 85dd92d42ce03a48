using CotPipeline.Statistics;

namespace CotPipeline.Tests.Statistics;

public sealed class FleissKappaTests
{
    [Fact]
    public void Compute_FleissWorkedExample_Is0210()
    {
        // The worked example of the Wikipedia "Fleiss' kappa" article: 10 subjects, 5 categories, 14 raters each.
        // P̄ = 0.378, P_e = 0.213, κ = (0.378 − 0.213) / (1 − 0.213) = 0.210.
        int[][] counts =
        [
            [0, 0, 0, 0, 14],
            [0, 2, 6, 4, 2],
            [0, 0, 3, 5, 6],
            [0, 3, 9, 2, 0],
            [2, 2, 8, 1, 1],
            [7, 7, 0, 0, 0],
            [3, 2, 6, 3, 0],
            [2, 5, 3, 2, 2],
            [6, 5, 2, 1, 0],
            [0, 2, 2, 3, 7],
        ];

        var result = FleissKappa.Compute(counts);

        Assert.Equal(10, result.N);
        Assert.NotNull(result.Value);
        Assert.Equal(0.210, result.Value.Value, 3);
    }

    [Fact]
    public void Compute_AllRatersAgreeOnVaryingCategories_IsOne()
    {
        // P̄ = 1; p = (0.5, 0.5), P_e = 0.5; κ = (1 − 0.5) / (1 − 0.5) = 1.
        int[][] counts = [[3, 0], [0, 3]];

        Assert.Equal(new AgreementResult(1.0, 2), FleissKappa.Compute(counts));
    }

    [Fact]
    public void Compute_EveryRatingInOneCategory_IsUndefined()
    {
        // P̄ = 1 and P_e = 1: κ = 0/0.
        int[][] counts = [[3, 0], [3, 0]];

        Assert.Equal(new AgreementResult(null, 2), FleissKappa.Compute(counts));
    }

    [Fact]
    public void Compute_TwoRatersAlwaysDisagree_IsMinusOne()
    {
        // Each subject split 1–1: P_i = (1·0 + 1·0) / (2·1) = 0, so P̄ = 0; p = (0.5, 0.5), P_e = 0.5;
        // κ = (0 − 0.5) / (1 − 0.5) = −1.
        int[][] counts = [[1, 1], [1, 1]];

        Assert.Equal(new AgreementResult(-1.0, 2), FleissKappa.Compute(counts));
    }

    [Fact]
    public void Compute_OneRaterPerSubject_IsUndefined()
    {
        int[][] counts = [[1, 0], [0, 1]];

        Assert.Equal(new AgreementResult(null, 2), FleissKappa.Compute(counts));
    }

    [Fact]
    public void Compute_EmptyInput_IsUndefined()
    {
        Assert.Equal(new AgreementResult(null, 0), FleissKappa.Compute([]));
    }

    [Fact]
    public void Compute_UnequalRatersPerSubject_ThrowsNamingTheSubject()
    {
        int[][] counts = [[2, 1], [1, 1]];

        var ex = Assert.Throws<ArgumentException>(() => FleissKappa.Compute(counts));

        Assert.StartsWith("subject 1: 2 ratings, but subject 0 has 3", ex.Message, StringComparison.Ordinal);
    }
}
