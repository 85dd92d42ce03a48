using CotPipeline.Llm;

namespace CotPipeline.Tests.Llm;

public sealed class PromptLibraryTests
{
    private readonly PromptLibrary _prompts = new();

    [Fact]
    public void Versions_Embedded_IncludesRationaleV1()
    {
        Assert.Contains("rationale-v1", PromptLibrary.Versions);
    }

    [Fact]
    public void Render_ChineseItem_PassesTextThroughUnchanged()
    {
        var item = LlmTestData.Chinese;

        var prompt = _prompts.Render(LlmTestData.Draft(item));

        Assert.Equal("rationale-v1", prompt.Version);
        Assert.Contains(item.Question, prompt.User, StringComparison.Ordinal);
        Assert.Contains("B. 急性前壁心肌梗死", prompt.User, StringComparison.Ordinal);
        Assert.Contains("Answer key: B", prompt.User, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Draft_HasRubricOptionsInOrderAndJsonInstructionsButNoRevision()
    {
        var prompt = _prompts.Render(LlmTestData.Draft(LlmTestData.English));

        Assert.Contains("- Medical correctness: Every medical fact", prompt.User, StringComparison.Ordinal);
        Assert.Contains("- Clinical value:", prompt.User, StringComparison.Ordinal);
        Assert.Contains("A. Protamine sulfate\nB. Flumazenil\nC. Naloxone\nD. Vitamin K", prompt.User, StringComparison.Ordinal);
        Assert.Contains("\"final_answer\"", prompt.System, StringComparison.Ordinal);
        Assert.Contains("JSON only", prompt.System, StringComparison.Ordinal);
        Assert.DoesNotContain("revision", prompt.User, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("{{", prompt.System + prompt.User, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Regeneration_IncludesPreviousStepsScoresCommentsAndGateFeedback()
    {
        var prompt = _prompts.Render(LlmTestData.Regeneration(LlmTestData.Chinese));

        Assert.Contains("1. 旧的第一步。\n2. 旧的第二步。\nFinal answer: B", prompt.User, StringComparison.Ordinal);
        Assert.Contains("Reviewer 1 (verdict: NeedsRevision):", prompt.User, StringComparison.Ordinal);
        Assert.Contains("- Medical correctness: 2/5. 未排除主动脉夹层。", prompt.User, StringComparison.Ordinal);
        Assert.Contains("- Information sufficiency: 3/5. Options C and D are not discussed.", prompt.User, StringComparison.Ordinal);
        Assert.Contains("Reviewer 2 (verdict: Accept):\n- Medical correctness: 4/5", prompt.User, StringComparison.Ordinal);
        Assert.Contains("- final answer \"C\" does not match the key \"B\"", prompt.User, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Regeneration_NeverNamesReviewers()
    {
        var prompt = _prompts.Render(LlmTestData.Regeneration(LlmTestData.Chinese));

        Assert.DoesNotContain("reviewer-17", prompt.User, StringComparison.Ordinal);
        Assert.DoesNotContain("example.org", prompt.User, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_QuestionContainingPlaceholder_NotExpanded()
    {
        var item = LlmTestData.English with { Question = "What does {{answer}} mean here?" };

        var prompt = _prompts.Render(LlmTestData.Draft(item));

        Assert.Contains("What does {{answer}} mean here?", prompt.User, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rationale-v9")]
    [InlineData("../secrets")]
    [InlineData("")]
    public void Render_UnknownVersion_FailsNamingVersionAndAvailable(string version)
    {
        var request = LlmTestData.Draft(LlmTestData.English) with { PromptVersion = version };

        var ex = Assert.Throws<ArgumentException>(() => _prompts.Render(request));

        Assert.Contains($"Prompt version \"{version}\" does not exist", ex.Message, StringComparison.Ordinal);
        Assert.Contains("available: rationale-v1", ex.Message, StringComparison.Ordinal);
    }
}
