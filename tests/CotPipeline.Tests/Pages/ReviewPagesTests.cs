using System.Security.Cryptography;
using System.Text;
using CotPipeline.Domain;
using CotPipeline.Pages;
using static CotPipeline.Tests.Pages.PageFixtures;

namespace CotPipeline.Tests.Pages;

public sealed class ReviewPagesTests
{
    private static readonly string[] Hostile =
        ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "javascript:alert(1)", "\"'><"];

    /// <summary>The only tags the pages write themselves; a data value that became a tag would show up here.</summary>
    private static readonly HashSet<string> KnownTags =
    [
        "!DOCTYPE", "html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "h3", "h4", "p", "div", "span", "strong", "em",
        "ul", "ol", "li", "ins", "del", "form", "fieldset", "legend", "label", "input", "textarea", "details", "summary", "button",
        "table", "thead", "tbody", "tr", "th", "td",
    ];

    [Fact]
    public void Review_HostileValues_OnlyEncoded()
    {
        var hostile = string.Join(" ", Hostile);
        var view = RoundTwo() with
        {
            ReviewerName = hostile,
            Item = Item with { Id = hostile, Department = hostile, Question = hostile, Options = new Dictionary<string, string> { ["A"] = hostile, [hostile] = "x" }, Answer = hostile },
            Current = V2 with { Steps = [hostile, .. Hostile], Critique = hostile, Source = hostile, FinalAnswer = hostile },
            Previous = V1 with { Steps = [.. Hostile.Reverse()] },
            Values = new ReviewForm(hostile, new Dictionary<string, string> { ["medical_correctness"] = hostile }, new Dictionary<string, string> { ["medical_correctness"] = hostile }, hostile, hostile),
            Errors = [hostile],
        };

        var html = ReviewPages.Review(view);

        AssertOnlyEncoded(html);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt; javascript:alert(1) &quot;&#39;&gt;&lt;", html);
    }

    [Fact]
    public void Adjudication_HostileValues_OnlyEncoded()
    {
        var hostile = string.Join(" ", Hostile);
        var review = Review(1, 1, hostile, Verdict.NeedsRevision, 3, rewrite: hostile) with
        {
            Comments = new Dictionary<string, string> { [hostile] = hostile, ["general"] = hostile },
        };
        var view = Adjudication() with
        {
            AdjudicatorName = hostile,
            Item = Item with { Question = hostile, Department = hostile },
            Versions = [V1 with { Steps = [hostile], Critique = hostile, AuthorId = hostile, Source = hostile }],
            Reviews = [review],
            Values = new AdjudicationForm(hostile, hostile, hostile),
            Errors = [hostile],
        };

        var html = ReviewPages.Adjudication(view);

        AssertOnlyEncoded(html);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
    }

    [Fact]
    public void StatusAndConfirmation_HostileDetail_OnlyEncoded()
    {
        var hostile = string.Join(" ", Hostile);

        AssertOnlyEncoded(ReviewPages.Status(LinkPage.Expired, hostile));
        AssertOnlyEncoded(ReviewPages.Status(LinkPage.NotFound, hostile));
        AssertOnlyEncoded(ReviewPages.Confirmation(hostile, hostile));
    }

    [Fact]
    public void AllPages_Rendered_NoScriptAndCspHashMatchesStyleBlock()
    {
        foreach (var (name, html) in AllPages())
        {
            Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
            var hash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(StyleBlock(html))));
            Assert.True(PageSecurity.ContentSecurityPolicy.Contains($"style-src 'sha256-{hash}'", StringComparison.Ordinal), name);
            Assert.StartsWith("<!DOCTYPE html>\n<html lang=\"en\">", html);
            Assert.Contains("<meta charset=\"utf-8\">", html);
            Assert.Contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">", html);
            Assert.All(Tags(html), t => Assert.Contains(t.TrimStart('<', '/').Split(' ', '>')[0], KnownTags));
        }
    }

    [Fact]
    public void AllPages_Rendered_CjkFontsInTheFontStack()
    {
        Assert.All(AllPages(), p => Assert.Contains("\"Noto Sans CJK SC\",\"WenQuanYi Micro Hei\",\"Microsoft YaHei\",sans-serif", p.Html));
    }

    [Fact]
    public void Review_RoundOne_NoChangesSection()
    {
        var html = ReviewPages.Review(RoundOne());

        Assert.DoesNotContain("What changed", html);
        Assert.DoesNotContain("<ins>", html);
        Assert.DoesNotContain("<del>", html);
        Assert.DoesNotContain("critique", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Review_RoundTwo_DiffCritiqueAndSource()
    {
        var previous = V1 with { Steps = [V2.Steps[0], V2.Steps[1], "故最可能闭塞的是右冠状动脉。"] };

        var html = ReviewPages.Review(RoundTwo() with { Previous = previous });

        Assert.Contains("<h2>What changed since version 1</h2>", html);
        Assert.Contains(
            "3. 故最可能闭塞的是<del><span class=\"sr\">[removed: </span>右冠状动脉<span class=\"sr\">]</span></del>"
            + "<ins><span class=\"sr\">[added: </span>左前降支，答案B<span class=\"sr\">]</span></ins>。</div>",
            html);
        Assert.Contains("<div class=\"box pre\">1. V1–V4导联ST段抬高提示前间壁及前壁心肌梗死。\n2. 前间壁和前壁由左前降支供血。\n3. ", html);
        Assert.Contains("<h3>The critique that led to this version</h3>\n<div class=\"box pre\">rev1 (needs revision):\n  Medical correctness: 3/5 — 应提到前间壁</div>", html);
        Assert.Contains("This version was regenerated by the model from the reviewers&#39; critique.", html);
    }

    [Fact]
    public void Review_Page_QuestionOptionsAnswerKeyAndSteps()
    {
        var html = ReviewPages.Review(RoundOne());

        Assert.Contains("<h1>Review: cardiology · item q7 · round 1</h1>", html);
        Assert.Contains("Deadline: <strong>2030-03-04 09:30 UTC</strong>", html);
        Assert.Contains("<li>A. 右冠状动脉</li>", html);
        Assert.Contains("<li class=\"key\">B. 左前降支 <em>(answer key)</em></li>", html);
        Assert.Contains("<ol class=\"steps\">\n<li>V1–V4导联ST段抬高提示前壁心肌梗死。</li>\n<li>前壁由左前降支供血。</li>", html);
        Assert.Contains("<form method=\"post\" action=\"/api/review/abc.def\">", html);
    }

    [Fact]
    public void Review_ChineseText_SurvivesVerbatim()
    {
        var html = ReviewPages.Review(RoundTwo());

        Assert.Contains(Item.Question, html);
        Assert.All(V2.Steps, s => Assert.Contains(s, html));
        Assert.DoesNotContain("&#", html.Replace("&#39;", "", StringComparison.Ordinal));
    }

    [Fact]
    public void Review_Rubric_EveryCriterionLevelAndAnchor()
    {
        var html = ReviewPages.Review(RoundOne());

        foreach (var criterion in Rubric)
        {
            Assert.Contains($"<legend>{criterion.Name}", html);
            Assert.Contains(criterion.Description, html);
            for (var level = criterion.ScaleMin; level <= criterion.ScaleMax; level++)
            {
                Assert.Contains($"name=\"score.{criterion.Id}\" value=\"{level}\" required> <strong>{level}</strong> — {criterion.Anchors[level.ToString()]}</label>", html);
            }

            Assert.Contains($"name=\"comment.{criterion.Id}\"", html);
        }

        Assert.Contains("Medical correctness <span class=\"safety\">Safety-critical", html);
        Assert.Single(html.Split("Safety-critical").Skip(1));
        Assert.Contains("name=\"comment.general\"", html);
        Assert.Contains("name=\"verdict\" value=\"accept\" required>", html);
        Assert.Contains("name=\"verdict\" value=\"needs-revision\" required>", html);
    }

    [Fact]
    public void Review_NoValues_NothingCheckedRewritePrefilledWithCurrentText()
    {
        var html = ReviewPages.Review(RoundTwo());

        Assert.DoesNotContain(" checked", html);
        Assert.Contains($"name=\"rewrite\" rows=\"14\">\n{V2.Text}</textarea>", html);
        Assert.Contains("<details><summary>Rewrite the rationale (optional)</summary>", html);
        Assert.Contains("Leaving it unchanged means no rewrite.", html);
    }

    [Fact]
    public void Review_Values_ChoicesRecheckedAndTextRefilled()
    {
        var values = new ReviewForm(
            "needs-revision",
            new Dictionary<string, string> { ["medical_correctness"] = "2", ["clinical_value"] = "5" },
            new Dictionary<string, string> { ["reasoning_structure"] = "步骤二跳跃" },
            "\nStarts with a blank line",
            "1. 我的改写。\n2. 第二步。");

        var html = ReviewPages.Review(RoundTwo() with { Values = values, Errors = ["Score for \"terminology_clarity\" is missing."] });

        Assert.Contains("name=\"score.medical_correctness\" value=\"2\" checked required>", html);
        Assert.Contains("name=\"score.clinical_value\" value=\"5\" checked required>", html);
        Assert.Contains("name=\"verdict\" value=\"needs-revision\" checked required>", html);
        Assert.Equal(3, html.Split(" checked").Length - 1);
        Assert.Contains("name=\"comment.reasoning_structure\" rows=\"2\" maxlength=\"4000\">\n步骤二跳跃</textarea>", html);
        Assert.Contains("name=\"comment.general\" rows=\"4\" maxlength=\"4000\">\n\nStarts with a blank line</textarea>", html);
        Assert.Contains("<details open><summary>", html);
        Assert.Contains("name=\"rewrite\" rows=\"14\">\n1. 我的改写。\n2. 第二步。</textarea>", html);
    }

    [Fact]
    public void Review_PostedRewriteSameAsCurrent_ClosedAndPrefilledWithCurrentText()
    {
        var posted = V2.Text.Replace("\n", "\r\n", StringComparison.Ordinal) + "\r\n";

        var html = ReviewPages.Review(RoundTwo() with { Values = new ReviewForm(null, new Dictionary<string, string>(), new Dictionary<string, string>(), null, posted) });

        Assert.Contains("<details><summary>Rewrite the rationale (optional)</summary>", html);
        Assert.Contains($"name=\"rewrite\" rows=\"14\">\n{V2.Text}</textarea>", html);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("  \r\n ", false)]
    [InlineData("1. V1–V4导联ST段抬高提示前间壁及前壁心肌梗死。\r\n\r\n2) 前间壁和前壁由左前降支供血。 \r\n故最可能闭塞的是左前降支，答案B。", false)]
    [InlineData("1. V1–V4导联ST段抬高提示前间壁及前壁心肌梗死。\n2. 前间壁和前壁由左前降支供血。", true)]
    [InlineData("1. 完全不同的推理。", true)]
    public void IsRewrite_PostedText_OnlyWhenStepsDiffer(string? posted, bool expected)
    {
        Assert.Equal(expected, FormFields.IsRewrite(posted, V2));
    }

    [Fact]
    public void Review_Errors_ListedInAlertBeforeTheForm()
    {
        var html = ReviewPages.Review(RoundOne() with { Errors = ["Score for \"clinical_value\" is missing.", "Field \"verdict\" is missing."] });

        var alert = html.IndexOf("<div class=\"alert\" role=\"alert\">", StringComparison.Ordinal);
        Assert.InRange(alert, 0, html.IndexOf("<form", StringComparison.Ordinal));
        Assert.Contains("<li>Score for &quot;clinical_value&quot; is missing.</li>\n<li>Field &quot;verdict&quot; is missing.</li>", html);
        Assert.DoesNotContain("role=\"alert\"", ReviewPages.Review(RoundOne()));
    }

    [Fact]
    public void FormPages_Controls_UniqueIdsEachWithALabel()
    {
        foreach (var html in new[] { ReviewPages.Review(RoundTwo()), ReviewPages.Adjudication(Adjudication()) })
        {
            var ids = AttributeValues(html, "id");
            Assert.Equal(ids.Count, ids.Distinct().Count());
            var labelled = AttributeValues(html, "for").ToHashSet();
            var controls = Tags(html).Where(t => t.StartsWith("<input", StringComparison.Ordinal) || t.StartsWith("<textarea", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(controls);
            Assert.All(controls, c => Assert.Contains(AttributeValues(c, "id").Single(), labelled));
        }
    }

    [Theory]
    [InlineData("https://evil.example/steal")]
    [InlineData("//evil.example/steal")]
    [InlineData("javascript:alert(1)")]
    [InlineData("/\\evil.example")]
    public void Review_FormActionNotAPathOnThisSite_Throws(string action)
    {
        Assert.Throws<ArgumentException>(() => ReviewPages.Review(RoundOne() with { FormAction = action }));
    }

    [Fact]
    public void Review_TypicalRoundTwoPage_Below30KB()
    {
        var html = ReviewPages.Review(RoundTwo() with { Errors = ["Field \"verdict\" is missing."] });

        Assert.InRange(Encoding.UTF8.GetByteCount(html), 1, 30_000);
    }

    [Fact]
    public void Adjudication_Page_VersionsReviewsByRoundAndForm()
    {
        var html = ReviewPages.Adjudication(Adjudication());

        Assert.Contains("<h1>Adjudication: cardiology · item q7</h1>", html);
        Assert.True(html.IndexOf("<h3>Version 1: written by the model</h3>", StringComparison.Ordinal)
            < html.IndexOf("<h3>Version 2: regenerated by the model", StringComparison.Ordinal));
        Assert.Contains("应提到前间壁", html);
        Assert.True(html.IndexOf("<h3>Round 1</h3>", StringComparison.Ordinal) < html.IndexOf("<h3>Round 2</h3>", StringComparison.Ordinal));
        Assert.Contains("<tr><th scope=\"row\">rev1</th><td>1</td><td>3</td><td>3</td><td>3</td><td>3</td><td>3</td><td>needs revision</td></tr>", html);
        Assert.Contains("<tr><th scope=\"row\">rev3</th><td>1</td><td>5</td><td>5</td><td>5</td><td>5</td><td>5</td><td>accept</td></tr>", html);
        Assert.Contains("<th scope=\"col\">Medical correctness (1–5)</th>", html);
        Assert.Contains("<li><strong>Medical correctness:</strong> <span class=\"pre\">rev1 评论 round 1</span></li>\n<li><strong>General:</strong>", html);
        Assert.Contains("<summary>Rewrite by rev1</summary>\n<div class=\"box pre\">1. 我的改写。\n2. 第二步。</div>", html);
        Assert.Contains("name=\"decision\" value=\"accept\" required>", html);
        Assert.Contains("name=\"decision\" value=\"exclude\" required>", html);
        Assert.Contains($"name=\"finalText\" rows=\"14\">\n{V2.Text}</textarea>", html);
        Assert.Contains("name=\"reason\" rows=\"4\" maxlength=\"4000\">\n</textarea>", html);
    }

    [Fact]
    public void Adjudication_Values_DecisionRecheckedAndTextRefilled()
    {
        var html = ReviewPages.Adjudication(Adjudication() with
        {
            Values = new AdjudicationForm("exclude", "1. 改过的。", "题目答案有争议"),
            Errors = ["Field \"reason\" is required to exclude an item."],
        });

        Assert.Contains("name=\"decision\" value=\"exclude\" checked required>", html);
        Assert.Single(html.Split(" checked").Skip(1));
        Assert.Contains("name=\"finalText\" rows=\"14\">\n1. 改过的。</textarea>", html);
        Assert.Contains(">\n题目答案有争议</textarea>", html);
        Assert.Contains("<li>Field &quot;reason&quot; is required to exclude an item.</li>", html);
    }

    [Fact]
    public void Status_EachLinkPage_DistinctHeading()
    {
        var headings = Enum.GetValues<LinkPage>().Select(p => Heading(ReviewPages.Status(p))).ToList();

        Assert.All(headings, h => Assert.NotEmpty(h));
        Assert.Equal(headings.Count, headings.Distinct().Count());
    }

    [Theory]
    [InlineData(LinkPage.Expired, "This link expired on 2030-03-04 09:30 UTC; ask the coordinator for a new one.")]
    [InlineData(LinkPage.Tampered, "it may have been cut or changed. Open it from the e-mail again")]
    [InlineData(LinkPage.Reassigned, "given to another reviewer because the deadline passed. Thank you — there is nothing to do.")]
    public void Status_Page_SaysWhatHappenedAndWhatToDo(LinkPage page, string expected)
    {
        Assert.Contains(expected, ReviewPages.Status(page, page == LinkPage.Expired ? "2030-03-04 09:30 UTC" : null));
    }

    [Fact]
    public void Status_DetailOnOtherPage_ShownAsItsOwnParagraph()
    {
        var html = ReviewPages.Status(LinkPage.AlreadySubmitted, "It arrived on 2030-03-01 08:00 UTC.");

        Assert.Contains("<p>It arrived on 2030-03-01 08:00 UTC.</p>", html);
    }

    [Fact]
    public void Confirmation_LateReview_HeadingAndMessage()
    {
        var html = ReviewPages.Confirmation("Thank you — your review arrived late",
            "This round had already closed: your review is kept in the item's audit trail but not counted.");

        Assert.Equal("Thank you — your review arrived late", Heading(html));
        Assert.Contains("<title>Thank you — your review arrived late</title>", html);
        Assert.Contains("kept in the item&#39;s audit trail but not counted.", html);
    }

    /// <summary>Hostile text is there, but only as text: no tag it could have opened, no attribute it could have set.</summary>
    private static void AssertOnlyEncoded(string html)
    {
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("\"'><", html);
        Assert.DoesNotContain("href=", html);
        Assert.All(Tags(html), t =>
        {
            Assert.DoesNotContain("onerror", t, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("javascript:", t, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(" src=", t, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("alert(", t, StringComparison.Ordinal);
        });
    }
}
