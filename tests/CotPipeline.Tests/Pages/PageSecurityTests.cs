using CotPipeline.Pages;

namespace CotPipeline.Tests.Pages;

public sealed class PageSecurityTests
{
    [Fact]
    public void Headers_Always_StrictPolicyWithoutScript()
    {
        var headers = PageSecurity.Headers.ToDictionary(h => h.Key, h => h.Value);

        Assert.Matches(
            "^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]{43}='; form-action 'self'; frame-ancestors 'none'; base-uri 'none'$",
            headers["Content-Security-Policy"]);
        Assert.Equal("nosniff", headers["X-Content-Type-Options"]);
        Assert.Equal("no-referrer", headers["Referrer-Policy"]);
        Assert.Equal("DENY", headers["X-Frame-Options"]);
        Assert.Equal("no-store", headers["Cache-Control"]);
        Assert.Equal(5, headers.Count);
        Assert.Equal("text/html; charset=utf-8", PageSecurity.ContentType);
    }
}
