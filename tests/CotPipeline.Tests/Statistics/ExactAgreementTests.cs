using CotPipeline.Statistics;

namespace CotPipeline.Tests.Statistics;

public sealed class ExactAgreementTests
{
    [Fact]
    public void Percent_MixedUnitsWithMissingRatings_CountsOnlyUnitsWithTwoRatings()
    {
        // Units 1 (1,1) and 4 (5,5) agree, unit 2 (2,3) does not, unit 3 has one rating and is skipped: 2 of 3.
        double?[][] units = [[1, 1, null], [2, 3], [4], [null, 5, 5]];

        var result = ExactAgreement.Percent(units);

        Assert.Equal(3, result.N);
        Assert.NotNull(result.Value);
        Assert.Equal(200.0 / 3, result.Value.Value, 12);
    }

    [Fact]
    public void Percent_AllAgree_IsHundred()
    {
        Assert.Equal(new AgreementResult(100.0, 2), ExactAgreement.Percent([[2, 2, 2], [4, 4]]));
    }

    [Fact]
    public void Percent_AllDisagree_IsZero()
    {
        Assert.Equal(new AgreementResult(0.0, 2), ExactAgreement.Percent([[1, 2], [4, 4, 5]]));
    }

    [Fact]
    public void Percent_OneRaterOnly_IsUndefined()
    {
        Assert.Equal(new AgreementResult(null, 0), ExactAgreement.Percent([[1], [null, 2]]));
    }

    [Fact]
    public void Percent_EmptyInput_IsUndefined()
    {
        Assert.Equal(new AgreementResult(null, 0), ExactAgreement.Percent([]));
    }
}
