using System.Net;
using CotPipeline.IntegrationTests.Infrastructure;
using CotPipeline.IntegrationTests.LocalHost;
using CotPipeline.Pages;

namespace CotPipeline.IntegrationTests.Browser;

/// <summary>What the e-mailed link answers over plain HTTP, without the operator key: the page's security headers, and a tampered link.</summary>
[Collection(LocalHostCollection.Name)]
public sealed class ReviewLinkHttpTests(LocalHostFixture host)
{
    private const string Department = "br-headers";
    private const string BatchId = "br-headers1";
    private const string ItemId = "q1";

    [Fact]
    public async Task ReviewLink_GenuineAndTampered_SecurityHeadersAndTamperedRefusedWith403ChangingNothing()
    {
        await ReviewScenario.StartAsync(host, Department, 2, BatchId, Api.Item(ItemId, Department, "Which option is right?"));
        var mail = (await ReviewScenario.MailsOfRoundAsync(host, Department, BatchId, ItemId, 1, 2))[0];
        using var browser = new HttpClient();

        var page = await browser.GetAsync(new Uri(mail.Link));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        AssertSecurityHeaders(page);
        Assert.Contains("<form method=\"post\"", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // One character of the signature (after the last '.') changed: the first, whose six bits all count.
        var signature = mail.Link.LastIndexOf('.') + 1;
        var tampered = string.Concat(mail.Link.AsSpan(0, signature), mail.Link[signature] == 'A' ? "B" : "A", mail.Link.AsSpan(signature + 1));
        var refused = await browser.GetAsync(new Uri(tampered));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        AssertSecurityHeaders(refused);
        Assert.Contains("This link is not valid", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var form = Api.Criteria.Select(c => KeyValuePair.Create(FormFields.ScorePrefix + c, "5"))
            .Append(KeyValuePair.Create(FormFields.Verdict, FormFields.Accept));
        var posted = await browser.PostAsync(new Uri(tampered), new FormUrlEncodedContent(form));
        Assert.Equal(HttpStatusCode.Forbidden, posted.StatusCode);

        var open = await host.Http.OpenAssignmentsAsync(BatchId);
        Assert.Contains(open, a => (string)a["reviewerId"]! == mail.ReviewerId && (string)a["status"]! == "open");
        var item = await host.Http.GetNodeAsync($"/api/batches/{BatchId}/items/{ItemId}");
        Assert.Empty(item["reviews"]!.AsArray());
        Assert.Equal("in-review", (string)item["state"]!);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(new Uri(mail.Link))).StatusCode);
    }

    private static void AssertSecurityHeaders(HttpResponseMessage response)
    {
        var csp = string.Join("; ", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
    }
}
