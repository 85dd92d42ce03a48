using System.Diagnostics;
using CotPipeline.Domain;
using CotPipeline.Llm;
using CotPipeline.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CotPipeline.IntegrationTests.Llm;

public sealed class ChatRationaleModelTests : IAsyncLifetime
{
    private const string Key = "test-key-123";
    private const string Answer = """{"steps":["患者，男，65岁，突发胸痛。","心电图提示ST段抬高，支持急性心肌梗死。"],"final_answer":"B"}""";

    private static readonly QaItem Item = new(
        "item-7", "cardiology", "患者，男，65岁，突发胸痛2小时。最可能的诊断是？",
        new Dictionary<string, string> { ["A"] = "心绞痛", ["B"] = "急性心肌梗死", ["C"] = "主动脉夹层", ["D"] = "肺栓塞" },
        "B");

    private static readonly RationaleRequest Request = new(Item, "rationale-v1", RubricOptions.Default().Criteria, Candidate: 0);

    private readonly CapturedLogs _logs = new();
    private FakeChatServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeChatServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private IRationaleModel Model(string provider = "OpenAICompatible", int maxRetries = 2, string timeout = "00:01:00", int requestsPerMinute = 0)
    {
        var endpoint = provider == "AzureOpenAI" ? _server.BaseAddress.ToString() : new Uri(_server.BaseAddress, "v1").ToString();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Llm:Provider"] = provider,
            ["Llm:Endpoint"] = endpoint,
            ["Llm:ApiKey"] = Key,
            ["Llm:Model"] = "my-deployment",
            ["Llm:MaxRetries"] = maxRetries.ToString(),
            ["Llm:RequestTimeout"] = timeout,
            ["Llm:RequestsPerMinute"] = requestsPerMinute.ToString(),
        }).Build();
        return new ServiceCollection().AddLogging(l => l.AddProvider(_logs)).AddRationaleModel(configuration)
            .BuildServiceProvider().GetRequiredService<IRationaleModel>();
    }

    private TimeSpan GapBetweenAttempts(int first) =>
        Stopwatch.GetElapsedTime(_server.Received[first].Timestamp, _server.Received[first + 1].Timestamp);

    [Fact]
    public async Task GenerateAsync_OpenAICompatibleSuccess_ReturnsRationaleTokensAndModel()
    {
        _server.Script(Reply.Success(Answer, model: "served-model-2025", promptTokens: 321, completionTokens: 54));

        var rationale = await Model().GenerateAsync(Request, CancellationToken.None);

        Assert.Equal(["患者，男，65岁，突发胸痛。", "心电图提示ST段抬高，支持急性心肌梗死。"], rationale.Steps);
        Assert.Equal("B", rationale.FinalAnswer);
        Assert.Equal("served-model-2025", rationale.Model);
        Assert.Equal("rationale-v1", rationale.PromptVersion);
        Assert.Equal(new TokenUsage(321, 54), rationale.Tokens);

        var request = Assert.Single(_server.Received);
        Assert.Equal("/v1/chat/completions", request.Path);
        Assert.Equal($"Bearer {Key}", request.Headers["authorization"]);
        var body = request.Json;
        Assert.Equal("my-deployment", body.GetProperty("model").GetString());
        Assert.Equal("json_object", body.GetProperty("response_format").GetProperty("type").GetString());
        Assert.Equal(0.2, body.GetProperty("temperature").GetDouble(), precision: 6);
        Assert.Equal(1500, body.GetProperty("max_completion_tokens").GetInt32());
        var messages = body.GetProperty("messages");
        Assert.Equal("system", messages[0].GetProperty("role").GetString());
        Assert.Contains(Item.Question, messages[1].GetProperty("content").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GenerateAsync_BurstAboveTheRequestBudget_ServerNeverSeesMoreThanTheBudgetAllows()
    {
        // 120 requests per minute: a burst of 6, then 114 a minute (1.9 a second). Load can only slow requests down, so the bound is safe.
        var model = Model(requestsPerMinute: 120);

        await Task.WhenAll(Enumerable.Range(0, 14).Select(_ => model.GenerateAsync(Request, CancellationToken.None)));

        var times = _server.Received.Select(r => r.Timestamp).Order().ToList();
        Assert.Equal(14, times.Count);
        for (var i = 0; i < times.Count; i++)
        {
            for (var j = i; j < times.Count; j++)
            {
                var window = Stopwatch.GetElapsedTime(times[i], times[j]).TotalSeconds;
                Assert.True(j - i + 1 <= 6 + (int)Math.Ceiling(window * 1.9) + 1,
                    $"{j - i + 1} requests reached the server within {window:0.00} s; the budget allows 6 at once and 1.9 a second");
            }
        }

        Assert.True(Stopwatch.GetElapsedTime(times[0], times[^1]).TotalSeconds >= 3, "the 8 requests past the burst waited for the refill");
    }

    [Fact]
    public async Task GenerateAsync_TooManyRequestsWithRetryAfter_WaitsThenSucceeds()
    {
        _server.Script(Reply.Error(429, ("retry-after", "1")), Reply.Success(Answer));

        var rationale = await Model().GenerateAsync(Request, CancellationToken.None);

        Assert.Equal("B", rationale.FinalAnswer);
        Assert.Equal(2, _server.Received.Count);
        Assert.True(GapBetweenAttempts(0) >= TimeSpan.FromSeconds(1), $"retried after {GapBetweenAttempts(0)}, before the 1 s retry-after");
        Assert.Contains(_logs.Messages, m => m.Contains("HTTP 429; retry 1 of 2 in 1000 ms (server asked: True)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GenerateAsync_TooManyRequestsWithRetryAfterMs_WaitsTheMilliseconds()
    {
        _server.Script(Reply.Error(429, ("retry-after-ms", "1200"), ("retry-after", "0")), Reply.Success(Answer));

        await Model().GenerateAsync(Request, CancellationToken.None);

        Assert.True(GapBetweenAttempts(0) >= TimeSpan.FromMilliseconds(1200), $"retried after {GapBetweenAttempts(0)}, before 1200 ms");
    }

    [Fact]
    public async Task GenerateAsync_ServerErrorThenSuccess_Succeeds()
    {
        _server.Script(Reply.Error(500), Reply.Success(Answer));

        var rationale = await Model().GenerateAsync(Request, CancellationToken.None);

        Assert.Equal("B", rationale.FinalAnswer);
        Assert.Equal(2, _server.Received.Count);
    }

    [Fact]
    public async Task GenerateAsync_PersistentTooManyRequests_FailsAfterMaxRetries()
    {
        _server.Fallback = Reply.Error(429, ("retry-after", "1"));

        var ex = await Assert.ThrowsAsync<LlmCallException>(() => Model(maxRetries: 2).GenerateAsync(Request, CancellationToken.None));

        Assert.Equal(429, ex.Status);
        Assert.Contains("HTTP 429 after 2 retries (Llm:MaxRetries)", ex.Message, StringComparison.Ordinal);
        Assert.Equal(3, _server.Received.Count);
    }

    [Fact]
    public async Task GenerateAsync_BadRequest_FailsWithoutRetry()
    {
        _server.Fallback = Reply.Error(400);

        var ex = await Assert.ThrowsAsync<LlmCallException>(() => Model().GenerateAsync(Request, CancellationToken.None));

        Assert.Equal(400, ex.Status);
        Assert.Contains("HTTP 400 (not retried", ex.Message, StringComparison.Ordinal);
        Assert.Single(_server.Received);
    }

    [Theory]
    [InlineData("this is not json", "not valid JSON")]
    [InlineData("""{"final_answer":"B"}""", "\"steps\" is missing")]
    [InlineData("""{"steps":[],"final_answer":"B"}""", "\"steps\" is empty")]
    [InlineData("""{"steps":["x", ""],"final_answer":"B"}""", "\"steps\"[1]")]
    [InlineData("""{"steps":["x"]}""", "\"final_answer\" is missing")]
    [InlineData("""{"steps":["x"],"final_answer":"E"}""", "not one of the options A, B, C, D")]
    public async Task GenerateAsync_MalformedContent_ThrowsLlmOutputExceptionSayingWhat(string content, string expected)
    {
        _server.Script(Reply.Success(content));

        var ex = await Assert.ThrowsAsync<LlmOutputException>(() => Model().GenerateAsync(Request, CancellationToken.None));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Contains(content.Length > 0 ? content[..Math.Min(content.Length, 10)] : "", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GenerateAsync_AnswerCutOffAtMaxTokens_ThrowsLlmOutputExceptionNamingSetting()
    {
        _server.Script(Reply.Success("""{"steps":["患者""", finishReason: "length"));

        var ex = await Assert.ThrowsAsync<LlmOutputException>(() => Model().GenerateAsync(Request, CancellationToken.None));

        Assert.Contains("cut off at Llm:MaxOutputTokens (1500)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("{\"steps\":[\"患者", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GenerateAsync_AzureWithApiKey_SendsApiKeyToDeploymentPath()
    {
        _server.Script(Reply.Success(Answer, model: "gpt-4o-2024-08-06"));

        var rationale = await Model(provider: "AzureOpenAI").GenerateAsync(Request, CancellationToken.None);

        Assert.Equal("gpt-4o-2024-08-06", rationale.Model);
        var request = Assert.Single(_server.Received);
        Assert.Equal("/openai/deployments/my-deployment/chat/completions", request.Path);
        Assert.Contains("api-version=", request.Query, StringComparison.Ordinal);
        Assert.Equal(Key, request.Headers["api-key"]);
        Assert.False(request.Headers.ContainsKey("authorization"));
    }

    [Fact]
    public async Task GenerateAsync_SlowServer_TimesOutWithinRequestTimeout()
    {
        _server.Fallback = Reply.Success(Answer).After(TimeSpan.FromSeconds(20));
        var started = Stopwatch.GetTimestamp();

        var ex = await Assert.ThrowsAsync<TimeoutException>(() => Model(timeout: "00:00:01").GenerateAsync(Request, CancellationToken.None));

        Assert.Contains("Llm:RequestTimeout", ex.Message, StringComparison.Ordinal);
        // Well before the server's 20 s answer, however loaded the machine: the call gave up, it did not wait it out.
        Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(15), $"took {Stopwatch.GetElapsedTime(started)}");
    }

    [Fact]
    public async Task GenerateAsync_CallerCancels_OperationCanceledNotTimeout()
    {
        _server.Fallback = Reply.Success(Answer).After(TimeSpan.FromSeconds(20));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Model().GenerateAsync(Request, cancel.Token));
    }

    [Fact]
    public async Task GenerateAsync_ServerGone_LlmCallExceptionCouldNotBeReached()
    {
        var model = Model(maxRetries: 1);
        await _server.DisposeAsync();

        var ex = await Assert.ThrowsAsync<LlmCallException>(() => model.GenerateAsync(Request, CancellationToken.None));

        Assert.Equal(0, ex.Status);
        Assert.Contains("could not be reached after 1 retries", ex.Message, StringComparison.Ordinal);
    }
}
