using CotPipeline.Llm;

namespace CotPipeline.Tests.Llm;

public sealed class LlmBudgetTests
{
    [Fact]
    public async Task AcquireAsync_Unlimited_AdmitsAtOnceAndCounts()
    {
        using var budget = LlmBudget.Unlimited();

        await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => budget.AcquireAsync(5_000, CancellationToken.None)));

        Assert.Equal((100, 500_000), (budget.AdmittedRequests, budget.AdmittedTokens));
    }

    [Fact]
    public async Task AcquireAsync_BeyondTheRequestBurst_WaitsForTheRefill()
    {
        // 20 a minute: a burst of one request (5 %, at least one), then one every 60/19 s. The refill is that far apart so a slow
        // machine cannot refill the bucket between the two calls (the limiter's clock is real time).
        using var budget = new LlmBudget(requestsPerMinute: 20, tokensPerMinute: 0);
        await budget.AcquireAsync(0, CancellationToken.None);

        var second = budget.AcquireAsync(0, CancellationToken.None);

        Assert.False(second.IsCompleted, "the burst (one request) is spent");
        await second.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, budget.AdmittedRequests);
    }

    [Fact]
    public async Task AcquireAsync_BurstHoldsTheLargestCall_ACallOfThatSizePassesAtOnce()
    {
        using var budget = new LlmBudget(requestsPerMinute: 0, tokensPerMinute: 30_000, largestCallTokens: 5_500);

        var call = budget.AcquireAsync(5_500, CancellationToken.None);

        Assert.True(call.IsCompleted, "5 % of 30,000 is 1,500 tokens, but the burst must hold one whole call");
        await call;
    }

    [Fact]
    public async Task AcquireAsync_CostAboveTheTokenBucket_AdmittedOnceTheBucketIsFull()
    {
        using var budget = new LlmBudget(requestsPerMinute: 0, tokensPerMinute: 6_000);

        await budget.AcquireAsync(50_000, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(50_000, budget.AdmittedTokens);
    }

    [Fact]
    public async Task AcquireAsync_Cancelled_Throws()
    {
        using var budget = new LlmBudget(requestsPerMinute: 6, tokensPerMinute: 0);
        await budget.AcquireAsync(0, CancellationToken.None);
        using var cts = new CancellationTokenSource();

        var waiting = budget.AcquireAsync(0, cts.Token);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }

    [Theory]
    [InlineData("", 0)]
    [InlineData("abcdef", 2)]
    [InlineData("急性心肌梗死", 6)]
    public void EstimateTokens_EnglishAndChinese_OneTokenPerThreeUtf8Bytes(string text, int expected)
    {
        Assert.Equal(expected, LlmBudget.EstimateTokens(text));
    }

    [Fact]
    public void CostOf_PromptAndCompletionLimit_Summed()
    {
        Assert.Equal(2 + 6 + 1_500, LlmBudget.CostOf("abcdef", "急性心肌梗死", 1_500));
    }
}
