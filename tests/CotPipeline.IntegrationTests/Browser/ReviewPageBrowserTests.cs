using System.Text.Json.Nodes;
using CotPipeline.IntegrationTests.Infrastructure;
using CotPipeline.IntegrationTests.LocalHost;
using CotPipeline.Pages;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using Xunit.Abstractions;

namespace CotPipeline.IntegrationTests.Browser;

/// <summary>
/// The review page in headless Chromium, reached as a physician reaches it: from the link in the e-mail, against the real
/// local host. Each test uses a department, batch and reviewers of its own (prefix <c>br-</c>): the host is shared.
/// </summary>
[Collection(LocalHostCollection.Name)]
public sealed class ReviewPageBrowserTests(LocalHostFixture host, ChromeFixture chrome, ITestOutputHelper output) : IClassFixture<ChromeFixture>
{
    private const string Recorded = "Thank you — your review is recorded";
    private const string AlreadySubmitted = "Already submitted";
    private const string ChineseQuestion = "患者，男，58岁。突发胸骨后压榨性疼痛2小时，伴大汗、恶心。心电图示V1–V4导联ST段抬高。最可能的诊断是？";
    private static readonly Dictionary<string, string> ChineseOptions = new()
    {
        ["A"] = "稳定型心绞痛",
        ["B"] = "急性前壁心肌梗死",
        ["C"] = "主动脉夹层",
        ["D"] = "急性心包炎",
    };

    private const string Rewrite = "胸骨后压榨性疼痛持续2小时伴大汗，心电图V1–V4导联ST段抬高，符合急性前壁心肌梗死。\n"
        + "稳定型心绞痛发作短暂且无持续ST段抬高；主动脉夹层多为撕裂样痛；心包炎为广泛导联ST段抬高。\n"
        + "因此最可能的诊断是B。";

    private const string StructureComment = "请逐一排除其他选项（主动脉夹层、心包炎）。";
    private static readonly int[] Low = [2, 2, 3, 3, 2];
    private static readonly int[] High = [5, 5, 5, 5, 5];

    private ChromeDriver Driver => chrome.Driver;

    [Fact]
    public async Task ReviewPage_TwoRoundsInTheBrowserWithARewrite_DiffAndCritiqueShownAndItemVerified()
    {
        const string department = "br-loop";
        const string batchId = "br-loop1";
        const string itemId = "q1";
        await ReviewScenario.StartAsync(host, department, 3, batchId, ReviewScenario.Item(itemId, department, ChineseQuestion, ChineseOptions, "B"));

        // Round 1: both ask for a revision; the first rewrites the rationale in the page's editor.
        var round1 = await ReviewScenario.MailsOfRoundAsync(host, department, batchId, itemId, 1, 2);
        var author = round1[0];
        Assert.StartsWith("Review: ", chrome.Open(author.Link), StringComparison.Ordinal);
        Assert.Contains(ChineseQuestion, Driver.FindElement(By.TagName("main")).Text, StringComparison.Ordinal);
        FillReview(Low, FormFields.NeedsRevision, StructureComment);
        WriteRewrite(Rewrite);
        output.WriteLine($"round 1 screenshot: {chrome.SaveScreenshot("review-page-round1.png")}");
        Assert.Equal(Recorded, chrome.ClickAndWaitForNextPage(SubmitButton()));

        chrome.Open(round1[1].Link);
        FillReview(Low, FormFields.NeedsRevision, "The answer is right but the reasoning skips the other options.");
        Assert.Equal(Recorded, chrome.ClickAndWaitForNextPage(SubmitButton()));

        // Round 2 reviews the rewrite, and never asks its author to review it.
        var round2 = await ReviewScenario.MailsOfRoundAsync(host, department, batchId, itemId, 2, 2);
        Assert.DoesNotContain(round2, m => m.ReviewerId == author.ReviewerId);
        Assert.DoesNotContain(await host.Smtp.MessagesToAsync(author.Email), m => m.Subject == ReviewScenario.Subject(department, itemId, 2));
        foreach (var (mail, index) in round2.Select((m, i) => (m, i)))
        {
            Assert.StartsWith("Review: ", chrome.Open(mail.Link), StringComparison.Ordinal);
            Assert.NotEmpty(Driver.FindElements(By.TagName("ins")));
            Assert.NotEmpty(Driver.FindElements(By.TagName("del")));
            var main = Driver.FindElement(By.TagName("main")).Text;
            Assert.Contains("What changed since version 1", main, StringComparison.Ordinal);
            Assert.Contains("rewritten by a reviewer", main, StringComparison.Ordinal);
            Assert.Contains(StructureComment, main, StringComparison.Ordinal);
            Assert.Contains(Rewrite.Split('\n')[0], Driver.FindElement(By.CssSelector("ol.steps")).Text, StringComparison.Ordinal);
            FillReview(High, FormFields.Accept, "清晰、完整。");
            if (index == 0)
            {
                output.WriteLine($"round 2 screenshot: {chrome.SaveScreenshot("review-page-round2.png")}");
            }

            Assert.Equal(Recorded, chrome.ClickAndWaitForNextPage(SubmitButton()));
        }

        var item = await Api.EventuallyAsync(() => host.Http.GetNodeAsync($"/api/batches/{batchId}/items/{itemId}"),
            i => (string)i["state"]! == "verified", TimeSpan.FromSeconds(60), $"{batchId}/{itemId} to be verified");
        Assert.Equal(2, (int)item["round"]!);
        var human = item["versions"]!.AsArray().Single(v => (int)v!["version"]! == 2)!;
        Assert.Equal("human", (string)human["source"]!);
        Assert.Equal(author.ReviewerId, (string)human["authorId"]!);
        Assert.Equal(3, human["steps"]!.AsArray().Count);
    }

    [Fact]
    public async Task ReviewPage_SubmittedAgainFromASecondTabAndBack_AlreadySubmittedAndOneReview()
    {
        const string department = "br-twice";
        const string batchId = "br-twice1";
        const string itemId = "q1";
        await ReviewScenario.StartAsync(host, department, 2, batchId, Api.Item(itemId, department, "Which option is right?"));
        var mail = (await ReviewScenario.MailsOfRoundAsync(host, department, batchId, itemId, 1, 2))[0];

        // The same link open in two tabs: the first still shows the form after the review was submitted from the second.
        chrome.Open(mail.Link);
        var stale = Driver.CurrentWindowHandle;
        Driver.SwitchTo().NewWindow(WindowType.Tab);
        try
        {
            chrome.Open(mail.Link);
            FillReview(High, FormFields.Accept, "Sound.");
            Assert.Equal(Recorded, chrome.ClickAndWaitForNextPage(SubmitButton()));
            Assert.Single(await ReviewsAsync(batchId, itemId));

            // Back to the form: the page is not cached (no-store), so the browser asks again and is told it is done.
            Driver.Navigate().Back();
            Assert.Equal(AlreadySubmitted, chrome.Heading());
            Assert.Empty(Driver.FindElements(By.TagName("form")));
        }
        finally
        {
            Driver.Close();
            Driver.SwitchTo().Window(stale);
        }

        FillReview(Low, FormFields.NeedsRevision, "Changed my mind.");
        Assert.Equal(AlreadySubmitted, chrome.ClickAndWaitForNextPage(SubmitButton()));
        Assert.Equal(AlreadySubmitted, chrome.Open(mail.Link));

        var review = Assert.Single(await ReviewsAsync(batchId, itemId))!;
        Assert.Equal(mail.ReviewerId, (string)review["review"]!["reviewerId"]!);
        Assert.Equal("accept", (string)review["review"]!["verdict"]!);
    }

    [Fact]
    public async Task ReviewPage_HostileQuestionAndOptions_ShownAsInertText()
    {
        const string department = "br-hostile";
        const string batchId = "br-hostile1";
        const string itemId = "q1";
        const string script = "<script>window.__pwned=1</script>";
        const string image = "<img src=x onerror=\"window.__pwned=2\">";
        const string link = "<a href=\"javascript:window.__pwned=3\">x</a>";
        await ReviewScenario.StartAsync(host, department, 2, batchId, ReviewScenario.Item(itemId, department, $"Which is right? {script} {image} {link}",
            new Dictionary<string, string> { ["A"] = script, ["B"] = image, ["C"] = link, ["D"] = "None of these" }, "B"));
        var mail = (await ReviewScenario.MailsOfRoundAsync(host, department, batchId, itemId, 1, 2))[0];

        Assert.StartsWith("Review: ", chrome.Open(mail.Link), StringComparison.Ordinal);

        // WebDriver's script runs despite the page's CSP, which allows the page itself no script at all.
        Assert.Equal("undefined", Driver.ExecuteScript("return typeof window.__pwned"));
        Assert.Empty(Driver.FindElements(By.CssSelector("body script, body img, body a, body iframe, body [onerror]")));
        var main = Driver.FindElement(By.TagName("main")).Text;
        Assert.Contains($"Which is right? {script} {image} {link}", main, StringComparison.Ordinal);

        var options = Driver.FindElements(By.CssSelector("ul.options li")).Select(li => li.Text).ToList();
        Assert.Equal(["A. " + script, "B. " + image + " (answer key)", "C. " + link, "D. None of these"], options);
    }

    /// <summary>Scores every criterion by clicking its label, comments on one, and chooses the verdict with the keyboard.</summary>
    private void FillReview(int[] scores, string verdict, string comment)
    {
        for (var i = 0; i < Api.Criteria.Length; i++)
        {
            var radio = Driver.FindElement(By.CssSelector($"input[type=radio][name='{FormFields.ScorePrefix}{Api.Criteria[i]}'][value='{scores[i]}']"));
            radio.FindElement(By.XPath("parent::label")).Click();
            Assert.True(radio.Selected, $"Clicking the label of {Api.Criteria[i]} = {scores[i]} did not select it.");
        }

        var criterionComment = Driver.FindElement(By.Name(FormFields.CommentPrefix + Api.Criteria[1]));
        criterionComment.Clear();
        criterionComment.SendKeys(comment);
        var general = Driver.FindElement(By.Name(FormFields.GeneralComment));
        general.Clear();
        general.SendKeys("Reviewed in the browser test.");

        // Space selects the focused choice; the arrow key moves to the next one, as in any radio group.
        var accept = Driver.FindElement(By.CssSelector($"input[name='{FormFields.Verdict}'][value='{FormFields.Accept}']"));
        accept.SendKeys(Keys.Space);
        if (verdict == FormFields.NeedsRevision)
        {
            accept.SendKeys(Keys.ArrowDown);
        }

        var chosen = Driver.FindElement(By.CssSelector($"input[name='{FormFields.Verdict}'][value='{verdict}']"));
        Assert.True(chosen.Selected, $"The keyboard did not select the verdict {verdict}.");
    }

    /// <summary>Opens the rewrite section, replaces the prefilled rationale and types <paramref name="text"/>, one step per line.</summary>
    private void WriteRewrite(string text)
    {
        var editor = Driver.FindElement(By.Name(FormFields.Rewrite));
        Assert.False(editor.Displayed, "The rewrite editor should start folded away.");
        Driver.FindElement(By.CssSelector("details > summary")).Click();
        Assert.True(editor.Displayed, "Clicking the summary did not open the rewrite editor.");
        Assert.False(string.IsNullOrWhiteSpace(editor.GetDomProperty("value")), "The rewrite editor should start with the current rationale.");
        editor.Clear();
        editor.SendKeys(text);
        Assert.Equal(text, editor.GetDomProperty("value"));
    }

    private IWebElement SubmitButton() => Driver.FindElement(By.CssSelector("form button[type=submit]"));

    private async Task<JsonArray> ReviewsAsync(string batchId, string itemId) =>
        (await host.Http.GetNodeAsync($"/api/batches/{batchId}/items/{itemId}"))["reviews"]!.AsArray();
}
