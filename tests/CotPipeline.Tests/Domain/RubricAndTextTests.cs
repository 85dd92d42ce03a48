using CotPipeline.Domain;
using CotPipeline.Options;
using CotPipeline.Storage;

namespace CotPipeline.Tests.Domain;

public sealed class RubricAndTextTests
{
    [Fact]
    public void Default_IsTheMethodsFiveCriteria_WithMedicalCorrectnessSafetyCritical()
    {
        var rubric = RubricOptions.Default();

        Assert.Equal(["medical_correctness", "reasoning_structure", "information_sufficiency", "terminology_clarity", "clinical_value"],
            rubric.Criteria.Select(c => c.Id));
        Assert.Equal(["medical_correctness"], rubric.Criteria.Where(c => c.SafetyCritical).Select(c => c.Id));
        Assert.All(rubric.Criteria, c => Assert.Equal(5, c.Anchors.Count));
        Assert.Empty(rubric.Problems());
    }

    [Fact]
    public void Problems_BadRubric_NamesEachCriterionAndSetting()
    {
        var rubric = RubricOptions.Default();
        rubric.Criteria[1].Id = "medical_correctness";
        rubric.Criteria[2].AcceptThreshold = 9;
        rubric.Criteria[0].VetoLevel = 4;
        rubric.Criteria[3].ScaleMin = 5;

        var problems = rubric.Problems();

        Assert.Contains(problems, p => p.Contains("id \"medical_correctness\" appears 2 times", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Rubric:Criteria:2", StringComparison.Ordinal) && p.Contains("AcceptThreshold 9", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Rubric:Criteria:0", StringComparison.Ordinal) && p.Contains("VetoLevel 4", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Rubric:Criteria:3", StringComparison.Ordinal) && p.Contains("ScaleMin 5", StringComparison.Ordinal));
    }

    [Fact]
    public void Problems_EmptyRubric_IsRefused()
    {
        Assert.Contains("Rubric:Criteria is empty: at least one criterion is required.", new RubricOptions().Problems());
    }

    [Theory]
    [InlineData("1. first\n2. second", new[] { "first", "second" })]
    [InlineData("first\r\n\r\n  second  \n", new[] { "first", "second" })]
    [InlineData("1) 首先分析\n2、然后判断", new[] { "首先分析", "然后判断" })]
    [InlineData("2024 guidelines apply\n10. tenth", new[] { "2024 guidelines apply", "tenth" })]
    public void Split_FreeText_GivesSteps(string text, string[] expected)
    {
        Assert.Equal(expected, RationaleText.Split(text));
    }

    [Fact]
    public void Format_ThenSplit_RoundTrips()
    {
        string[] steps = ["患者胸痛", "ST elevation in II, III, aVF", "Therefore C"];

        Assert.Equal(steps, RationaleText.Split(RationaleText.Format(steps)));
    }

    [Theory]
    [InlineData("demo.q001.1.dr-chen", true)]
    [InlineData("demo.q001.0.dr-chen", true)]
    [InlineData("demo.q001.x.dr-chen", false)]
    [InlineData("demo.q001.-1.dr-chen", false)]
    [InlineData("demo.q001.1", false)]
    [InlineData("demo.q0 01.1.dr-chen", false)]
    [InlineData("demo.q001.1.dr/chen", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void AssignmentIdTryParse_Variants(string? text, bool valid)
    {
        Assert.Equal(valid, AssignmentId.TryParse(text, out var id));
        if (valid)
        {
            Assert.Equal(text, id.ToString());
        }
    }

    [Fact]
    public void Gates_WrongAnswerTooFewStepsTooLong_AllReported()
    {
        var item = new QaItem("q1", "general", "Q?", new Dictionary<string, string> { ["A"] = "a", ["B"] = "b" }, "A");
        var settings = BatchSettings.From(RubricOptions.Default(), new PipelineOptions { MinSteps = 2, MaxRationaleChars = 100 }, "m");

        var problems = Gates.Check(item, [new string('x', 200)], "B", settings);

        Assert.Equal(3, problems.Count);
        Assert.Contains("the final answer is \"B\" but the key is \"A\"", problems);
        Assert.Contains("the rationale has 1 steps; between 2 and 30 are required", problems);
        Assert.Contains(problems, p => p.StartsWith("the rationale is 203 characters long", StringComparison.Ordinal));
        Assert.Empty(Gates.Check(item, ["one", "two"], "A", settings));
    }
}
