using System.Text.RegularExpressions;
using CotPipeline.Domain;
using CotPipeline.Options;
using CotPipeline.Pages;

namespace CotPipeline.Tests.Pages;

/// <summary>Views of a typical item and what every rendered page must satisfy.</summary>
internal static partial class PageFixtures
{
    public static readonly IReadOnlyList<RubricCriterion> Rubric = RubricOptions.Default().Criteria;

    public static readonly DateTimeOffset Deadline = new(2030, 3, 4, 17, 30, 0, TimeSpan.FromHours(8));

    public static readonly QaItem Item = new(
        "q7",
        "cardiology",
        "男，58岁，胸骨后压榨性疼痛2小时。心电图示V1–V4导联ST段抬高。最可能闭塞的血管是？",
        new Dictionary<string, string>
        {
            ["A"] = "右冠状动脉",
            ["B"] = "左前降支",
            ["C"] = "左回旋支",
            ["D"] = "左主干",
        },
        "B");

    public static RationaleVersion Version(int number, string source, params string[] steps) => new()
    {
        BatchId = "b1",
        ItemId = "q7",
        Version = number,
        Steps = steps,
        FinalAnswer = "B",
        Source = source,
        CreatedAt = Deadline.AddDays(-2),
    };

    public static readonly RationaleVersion V1 = Version(1, RationaleSources.Llm,
        "V1–V4导联ST段抬高提示前壁心肌梗死。",
        "前壁由左前降支供血。",
        "故最可能闭塞的是左前降支。");

    public static readonly RationaleVersion V2 = Version(2, RationaleSources.LlmRegenerated,
        "V1–V4导联ST段抬高提示前间壁及前壁心肌梗死。",
        "前间壁和前壁由左前降支供血。",
        "故最可能闭塞的是左前降支，答案B。") with
    {
        ParentVersion = 1,
        CritiqueRound = 1,
        Critique = "rev1 (needs revision):\n  Medical correctness: 3/5 — 应提到前间壁",
    };

    public static ReviewPageView RoundOne() => new(
        "/api/review/abc.def", "Dr. Li", Item, 1, Deadline, V1, null, Rubric, null, []);

    public static ReviewPageView RoundTwo() => RoundOne() with { Round = 2, Current = V2, Previous = V1 };

    public static Review Review(int round, int version, string reviewer, Verdict verdict, int score, string? rewrite = null) => new()
    {
        BatchId = "b1",
        ItemId = "q7",
        Round = round,
        Version = version,
        ReviewerId = reviewer,
        AssignmentId = $"b1.q7.{round}.{reviewer}",
        Scores = Rubric.ToDictionary(c => c.Id, _ => score),
        Comments = new Dictionary<string, string> { ["medical_correctness"] = $"{reviewer} 评论 round {round}", ["general"] = $"{reviewer} overall" },
        Verdict = verdict,
        Rewrite = rewrite,
        SubmittedAt = Deadline.AddDays(-1),
    };

    public static AdjudicationPageView Adjudication() => new(
        "/api/review/adj.tok", "Dr. Wang", Item, [V2, V1],
        [
            Review(2, 2, "rev2", Verdict.NeedsRevision, 2),
            Review(1, 1, "rev1", Verdict.NeedsRevision, 3, rewrite: "1. 我的改写。\n2. 第二步。"),
            Review(1, 1, "rev3", Verdict.Accept, 5),
        ],
        Rubric, Deadline, null, []);

    /// <summary>Every page kind, for checks that hold on all of them.</summary>
    public static IEnumerable<(string Name, string Html)> AllPages()
    {
        yield return ("review round 1", ReviewPages.Review(RoundOne()));
        yield return ("review round 2", ReviewPages.Review(RoundTwo()));
        yield return ("adjudication", ReviewPages.Adjudication(Adjudication()));
        yield return ("confirmation", ReviewPages.Confirmation("Thank you", "Your review was received."));
        foreach (var page in Enum.GetValues<LinkPage>())
        {
            yield return ($"status {page}", ReviewPages.Status(page, "2030-03-04 09:30 UTC"));
        }
    }

    /// <summary>The text between the first h1 tags.</summary>
    public static string Heading(string html) => H1().Match(html).Groups[1].Value;

    /// <summary>The exact content of the style block.</summary>
    public static string StyleBlock(string html)
    {
        var blocks = StyleElement().Matches(html);
        Assert.Single(blocks);
        return blocks[0].Groups[1].Value;
    }

    /// <summary>Every start or end tag as written (text that was encoded has no raw "&lt;" and is not a tag).</summary>
    public static IEnumerable<string> Tags(string html) => Tag().Matches(html).Select(m => m.Value);

    /// <summary>The attribute values of one attribute name over all tags.</summary>
    public static List<string> AttributeValues(string html, string attribute) =>
        Tags(html).SelectMany(t => Regex.Matches(t, $"\\s{attribute}=\"([^\"]*)\"").Select(m => m.Groups[1].Value)).ToList();

    [GeneratedRegex("<h1>(.*?)</h1>", RegexOptions.Singleline)]
    private static partial Regex H1();

    [GeneratedRegex("<style>(.*?)</style>", RegexOptions.Singleline)]
    private static partial Regex StyleElement();

    [GeneratedRegex("<[!/]?[A-Za-z][^>]*>")]
    private static partial Regex Tag();
}
