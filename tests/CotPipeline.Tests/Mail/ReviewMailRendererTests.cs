using CotPipeline.Mail;
using CotPipeline.Storage;

namespace CotPipeline.Tests.Mail;

public sealed class ReviewMailRendererTests
{
    private static readonly ReviewRequestMail Mail = new(
        new AssignmentId("b1", "q7", 2, "rev1"),
        "Dr. Li",
        "li@example.org",
        "cardiology",
        "以下哪条动脉最常受累？ Which artery?",
        "https://cot.example.org/api/review/abc.def",
        new DateTimeOffset(2030, 3, 4, 17, 30, 0, TimeSpan.FromHours(8)),
        ["medical correctness", "reasoning structure", "clinical value"]);

    [Fact]
    public void Render_Subject_NamesDepartmentItemAndRound()
    {
        var subject = ReviewMailRenderer.Render(Mail).Subject;

        Assert.Equal("Review request: cardiology · item q7 · round 2", subject);
    }

    [Fact]
    public void Render_BothParts_HaveLinkDeadlineInUtcAndRubricLine()
    {
        var r = ReviewMailRenderer.Render(Mail);

        foreach (var part in new[] { r.Text, r.Html })
        {
            Assert.Contains("2030-03-04 09:30 UTC", part);
            Assert.Contains("Rubric: medical correctness · reasoning structure · clinical value", part);
            Assert.Contains("以下哪条动脉最常受累？", part);
            Assert.Contains("Dr. Li", part);
        }

        Assert.Contains("\nhttps://cot.example.org/api/review/abc.def\n", r.Text);
        Assert.Contains("<a href=\"https://cot.example.org/api/review/abc.def\">", r.Html);
    }

    [Fact]
    public void Render_HostileValues_AreHtmlEncoded()
    {
        var hostile = Mail with
        {
            ReviewerName = "<script>alert(1)</script>",
            Department = "<img src=x onerror=alert(1)>",
            QuestionExcerpt = "\"quoted\" & 'single' </blockquote><b>",
            RubricCriteria = ["<i>x</i>"],
        };

        var html = ReviewMailRenderer.Render(hostile).Html;

        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<img", html);
        Assert.DoesNotContain("<i>", html);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", html);
        Assert.Contains("&quot;quoted&quot; &amp; &#39;single&#39; &lt;/blockquote&gt;&lt;b&gt;", html);
    }

    [Fact]
    public void Render_LinkWithQuoteAndAmpersand_StaysInsideHref()
    {
        var html = ReviewMailRenderer.Render(Mail with { LinkUrl = "https://cot.example.org/api/review/t?a=1&b=\"x" }).Html;

        Assert.Contains("<a href=\"https://cot.example.org/api/review/t?a=1&amp;b=%22x\">", html);
    }

    [Theory]
    [InlineData("javascript:alert(1)", "scheme \"javascript\"")]
    [InlineData("JavaScript:alert(1)", "scheme \"javascript\"")]
    [InlineData("data:text/html,<script>alert(1)</script>", "scheme \"data\"")]
    [InlineData("/api/review/abc", "only http and https links are sent")]
    [InlineData("", "not an absolute URL")]
    public void Render_LinkNotHttp_Throws(string link, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => ReviewMailRenderer.Render(Mail with { LinkUrl = link }));

        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Render_LineBreakInDepartment_StaysOnTheSubjectLine()
    {
        var r = ReviewMailRenderer.Render(Mail with { Department = "cardiology\r\nBcc: x@example.org" });

        Assert.DoesNotContain('\n', r.Subject);
        Assert.DoesNotContain('\r', r.Subject);
        Assert.Contains("cardiology  Bcc: x@example.org", r.Subject);
    }

    [Fact]
    public void MessageIdOf_SameAssignment_SameIdAndDotAtom()
    {
        var id = ReviewMailer.MessageIdOf(new AssignmentId("b1", "q7", 2, "rev1"));

        Assert.Equal("review.b1.q7.r2.rev1@cotfunctions", id);
        Assert.Equal(id, ReviewMailer.MessageIdOf(new AssignmentId("b1", "q7", 2, "rev1")));
        Assert.NotEqual(id, ReviewMailer.MessageIdOf(new AssignmentId("b1", "q7", 3, "rev1")));
    }

    [Fact]
    public void MessageIdOf_UnsafeCharacters_AreReplaced()
    {
        var id = ReviewMailer.MessageIdOf(new AssignmentId("b 1", "q<7>", 2, "r@v"));

        Assert.Equal("review.b_1.q_7_.r2.r_v@cotfunctions", id);
    }
}
