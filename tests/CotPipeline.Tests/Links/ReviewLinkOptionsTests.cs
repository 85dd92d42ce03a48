using CotPipeline.Links;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static CotPipeline.Tests.Links.ReviewLinkTestData;

namespace CotPipeline.Tests.Links;

public sealed class ReviewLinkOptionsTests
{
    [Fact]
    public void Problems_ValidKeyAndUrl_NoneAndDefaultLifetime()
    {
        var options = OptionsWith(KeyA);

        Assert.Empty(options.Problems());
        Assert.Equal(TimeSpan.FromDays(14), options.LinkLifetime);
    }

    [Fact]
    public void Problems_MissingKey_NamesSigningKey()
    {
        var problems = new ReviewLinkOptions { PublicBaseUrl = "https://x.org" }.Problems();

        var problem = Assert.Single(problems);
        Assert.StartsWith("ReviewLinks:SigningKey is missing", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_ShortKey_NamesSigningKeyAndLength()
    {
        var problems = OptionsWith(new byte[31]).Problems();

        Assert.Equal(["ReviewLinks:SigningKey decodes to 31 bytes; at least 32 are required."], problems);
    }

    [Fact]
    public void Problems_KeyNotBase64_NamedWithoutEchoingIt()
    {
        var options = OptionsWith(KeyA);
        options.SigningKey = "not base64 secret!";

        var problem = Assert.Single(options.Problems());

        Assert.Equal("ReviewLinks:SigningKey is not valid base64.", problem);
    }

    [Theory]
    [InlineData("review.example.org")]
    [InlineData("/api")]
    [InlineData("ftp://review.example.org")]
    [InlineData("https://review.example.org/?a=b")]
    public void Problems_BaseUrlNotAbsoluteHttp_NamesPublicBaseUrl(string baseUrl)
    {
        var problem = Assert.Single(OptionsWith(KeyA, baseUrl).Problems());

        Assert.StartsWith($"ReviewLinks:PublicBaseUrl \"{baseUrl}\" must be an absolute http or https URL", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_MissingBaseUrl_NamesPublicBaseUrl()
    {
        var problem = Assert.Single(OptionsWith(KeyA, "").Problems());

        Assert.StartsWith("ReviewLinks:PublicBaseUrl is missing", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_PreviousKeyShortAndWithoutEnd_BothNamed()
    {
        var options = OptionsWith(KeyA);
        options.PreviousSigningKey = Convert.ToBase64String(new byte[16]);

        var problems = options.Problems();

        Assert.Equal(2, problems.Count);
        Assert.Contains("ReviewLinks:PreviousSigningKey decodes to 16 bytes; at least 32 are required.", problems);
        Assert.Contains(problems, p => p.StartsWith("ReviewLinks:PreviousKeyValidUntil is required", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("-1.00:00:00")]
    [InlineData("91.00:00:00")]
    public void Problems_LinkLifetimeOutOfRange_Named(string lifetime)
    {
        var options = OptionsWith(KeyA);
        options.LinkLifetime = TimeSpan.Parse(lifetime, System.Globalization.CultureInfo.InvariantCulture);

        var problem = Assert.Single(options.Problems());

        Assert.StartsWith("ReviewLinks:LinkLifetime", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsNamingSetting()
    {
        var ex = Assert.Throws<OptionsValidationException>(() => Signer(new byte[8]));

        Assert.Contains("ReviewLinks:SigningKey", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddReviewLinks_NoKeyConfigured_FailsNamingEachSetting()
    {
        using var services = Build(new Dictionary<string, string?>());

        var ex = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<ReviewLinkSigner>());

        Assert.Contains(ex.Failures, f => f.StartsWith("ReviewLinks:SigningKey is missing", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.StartsWith("ReviewLinks:PublicBaseUrl is missing", StringComparison.Ordinal));
    }

    [Fact]
    public void AddReviewLinks_ConfiguredWithRotation_SignerAcceptsBothKeys()
    {
        using var services = Build(new Dictionary<string, string?>
        {
            ["ReviewLinks:SigningKey"] = Convert.ToBase64String(KeyB),
            ["ReviewLinks:PreviousSigningKey"] = Convert.ToBase64String(KeyA),
            ["ReviewLinks:PreviousKeyValidUntil"] = "2026-03-08T00:00:00Z",
            ["ReviewLinks:LinkLifetime"] = "7.00:00:00",
            ["ReviewLinks:PublicBaseUrl"] = "https://review.example.org/",
        });

        var signer = services.GetRequiredService<ReviewLinkSigner>();

        Assert.Equal(TimeSpan.FromDays(7), services.GetRequiredService<IOptions<ReviewLinkOptions>>().Value.LinkLifetime);
        Assert.Equal(LinkStatus.Valid, signer.Verify(Signer(KeyA).Create(Link), Now).Status);
        Assert.Equal(LinkStatus.Valid, signer.Verify(signer.Create(Link), Now).Status);
        Assert.StartsWith("https://review.example.org/api/review/", signer.Url(Link), StringComparison.Ordinal);
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings) =>
        new ServiceCollection()
            .AddReviewLinks(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .BuildServiceProvider();
}
