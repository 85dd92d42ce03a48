using CotPipeline.Domain;
using CotPipeline.Llm;

namespace CotPipeline.Tests.Llm;

public sealed class OfflineRationaleModelTests
{
    private readonly OfflineRationaleModel _model = new();

    public static TheoryData<string> Items => [LlmTestData.Chinese.Id, LlmTestData.English.Id, LlmTestData.FiveOptions.Id];

    private static QaItem ById(string id) =>
        new[] { LlmTestData.Chinese, LlmTestData.English, LlmTestData.FiveOptions }.Single(i => i.Id == id);

    [Theory]
    [MemberData(nameof(Items))]
    public async Task GenerateAsync_AnyItem_FinalAnswerIsTheKey(string itemId)
    {
        var item = ById(itemId);

        var rationale = await _model.GenerateAsync(LlmTestData.Draft(item), CancellationToken.None);

        Assert.Equal(item.Answer, rationale.FinalAnswer);
        Assert.Equal("offline-template", rationale.Model);
        Assert.Equal("rationale-v1", rationale.PromptVersion);
        Assert.Equal(TokenUsage.None, rationale.Tokens);
    }

    [Theory]
    [MemberData(nameof(Items))]
    public async Task GenerateAsync_AnyItem_LabelledAsTemplateQuotingQuestionAndEveryOption(string itemId)
    {
        var item = ById(itemId);

        var rationale = await _model.GenerateAsync(LlmTestData.Draft(item), CancellationToken.None);

        Assert.Contains("Offline template, not medical reasoning", rationale.Steps[0], StringComparison.Ordinal);
        Assert.Contains(rationale.Steps, s => s.Contains(item.Question[..20], StringComparison.Ordinal));
        foreach (var (key, text) in item.Options)
        {
            Assert.Contains(rationale.Steps, s => s.StartsWith($"Option {key} (\"{text}\")", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task GenerateAsync_SameRequestTwice_SameRationale()
    {
        var first = await _model.GenerateAsync(LlmTestData.Regeneration(LlmTestData.Chinese), CancellationToken.None);
        var second = await _model.GenerateAsync(LlmTestData.Regeneration(LlmTestData.Chinese), CancellationToken.None);

        Assert.Equal(first.Steps, second.Steps);
        Assert.Equal(first.FinalAnswer, second.FinalAnswer);
    }

    [Fact]
    public async Task GenerateAsync_Regeneration_DiffersAndQuotesTheCritique()
    {
        var draft = await _model.GenerateAsync(LlmTestData.Draft(LlmTestData.Chinese), CancellationToken.None);

        var regenerated = await _model.GenerateAsync(LlmTestData.Regeneration(LlmTestData.Chinese), CancellationToken.None);

        Assert.NotEqual(draft.Steps, regenerated.Steps);
        Assert.Contains(regenerated.Steps, s => s.StartsWith("Regenerated addressing the critique", StringComparison.Ordinal)
            && s.Contains("未排除主动脉夹层。", StringComparison.Ordinal));
        Assert.Contains(regenerated.Steps, s => s.StartsWith("Regenerated addressing the automatic checks", StringComparison.Ordinal));
        Assert.Equal("B", regenerated.FinalAnswer);
    }

    [Fact]
    public async Task GenerateAsync_LongQuestion_QuotedTrimmed()
    {
        var item = LlmTestData.English with { Question = "  Which drug\n reverses " + new string('x', 500) };

        var rationale = await _model.GenerateAsync(LlmTestData.Draft(item), CancellationToken.None);

        var quote = Assert.Single(rationale.Steps, s => s.StartsWith("The question asks", StringComparison.Ordinal));
        Assert.Contains("\"Which drug reverses xxx", quote, StringComparison.Ordinal);
        Assert.EndsWith("…\"", quote, StringComparison.Ordinal);
        Assert.True(quote.Length < 200);
    }
}
