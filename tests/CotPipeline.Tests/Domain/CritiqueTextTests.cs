using CotPipeline.Domain;
using CotPipeline.Llm;
using CotPipeline.Options;

namespace CotPipeline.Tests.Domain;

public sealed class CritiqueTextTests
{
    [Fact]
    public void Format_CriterionAndGeneralComments_BothInTheCritique()
    {
        var rubric = RubricOptions.Default().Criteria;
        var entry = new CritiqueEntry("R1", Verdict.NeedsRevision,
            rubric.ToDictionary(c => c.Id, _ => 3),
            new Dictionary<string, string> { ["reasoning_structure"] = "Rule out C.", [Review.GeneralComment] = "  整体不错，但需补充心电图。 " });

        var text = CritiqueText.Format([entry], rubric);

        Assert.Contains("  Reasoning structure: 3/5 — Rule out C.", text, StringComparison.Ordinal);
        Assert.EndsWith("  General: 整体不错，但需补充心电图。", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_BlankGeneralComment_NoGeneralLine()
    {
        var rubric = RubricOptions.Default().Criteria;
        var entry = new CritiqueEntry("R1", Verdict.Accept, rubric.ToDictionary(c => c.Id, _ => 5),
            new Dictionary<string, string> { [Review.GeneralComment] = "   " });

        Assert.DoesNotContain("General", CritiqueText.Format([entry], rubric), StringComparison.Ordinal);
    }
}
