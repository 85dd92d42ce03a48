using CotPipeline.Http;

namespace CotPipeline.Tests.Http;

/// <summary>Page size and continuation of the item listing.</summary>
public sealed class ItemPagesTests
{
    [Fact]
    public void Parse_NothingGiven_DefaultPageFromTheStart()
    {
        Assert.Equal((100, (string?)null, (string?)null), ItemPages.Parse("", ""));
    }

    [Fact]
    public void Parse_ContinuationOfAPage_ContinuesAfterItsLastItem()
    {
        Assert.Equal((10, "q-010_b", (string?)null), ItemPages.Parse("10", ItemPages.Continuation("q-010_b")));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1001")]
    [InlineData("-5")]
    [InlineData("ten")]
    [InlineData("10.5")]
    public void Parse_BadPageSize_SaysWhatIsAllowed(string pageSize)
    {
        var (_, _, problem) = ItemPages.Parse(pageSize, "");

        Assert.Equal($"Query parameter \"pageSize\" is \"{pageSize}\"; use a whole number from 1 to 1000 (default 100).", problem);
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("fn5-")]
    [InlineData("Li4vZXRj")]
    public void Parse_ContinuationNotFromTheApi_Refused(string continuation)
    {
        var (_, after, problem) = ItemPages.Parse("", continuation);

        Assert.Null(after);
        Assert.StartsWith($"Query parameter \"continuation\" \"{continuation}\" is not one this API returned", problem, StringComparison.Ordinal);
    }
}
