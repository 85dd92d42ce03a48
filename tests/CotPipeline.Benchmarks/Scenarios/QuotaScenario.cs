using System.Diagnostics;
using System.Text.Json;
using CotPipeline.Domain;
using CotPipeline.Llm;
using CotPipeline.Options;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CotPipeline.Benchmarks.Scenarios;

/// <summary>
/// The LLM quota: a loopback OpenAI-compatible server enforces tokens and requests per minute over a sliding 60-second
/// window, as Azure OpenAI does (a call costs its prompt's tokens plus its <c>max_tokens</c>), answering 429 with
/// <c>retry-after</c> beyond it. N drafts run 10 at a time (the activity concurrency of host.json) through the real
/// chat client with the process-wide <see cref="LlmBudget"/> set to the quota. Figure: the share of the quota the server
/// admitted per minute, and the calls that failed.
/// </summary>
internal sealed class QuotaScenario : IScenario
{
    private const int TokensPerMinute = 120_000;
    private const int RequestsPerMinute = 720;
    private const int MaxOutputTokens = 1_500;

    public string Name => "quota";

    public int DefaultPairs => 150;

    public string Goal => "quota-used>=0.90,failed=0";

    public async Task<Outcome> RunAsync(int pairs, Report report, CancellationToken ct)
    {
        await using var server = await QuotaServer.StartAsync(TokensPerMinute, RequestsPerMinute);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Llm:Provider"] = "OpenAICompatible",
            ["Llm:Endpoint"] = new Uri(server.BaseAddress, "v1").ToString(),
            ["Llm:Model"] = "quota-model",
            ["Llm:MaxOutputTokens"] = MaxOutputTokens.ToString(),
            ["Llm:TokensPerMinute"] = TokensPerMinute.ToString(),
            ["Llm:RequestsPerMinute"] = RequestsPerMinute.ToString(),
            ["Llm:MaxRetries"] = "10",
            ["Llm:RequestTimeout"] = "00:04:00",
        }).Build();
        await using var services = new ServiceCollection().AddLogging().AddRationaleModel(configuration).BuildServiceProvider();
        var model = services.GetRequiredService<IRationaleModel>();
        report.Line($"{pairs} drafts, quota {TokensPerMinute:N0} tokens and {RequestsPerMinute} requests per minute, 10 at a time");

        using var slots = new SemaphoreSlim(10);
        var failed = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, pairs).Select(async i =>
        {
            await slots.WaitAsync(ct);
            try
            {
                await model.GenerateAsync(Request(i), ct);
            }
            catch (Exception e) when (e is LlmCallException or LlmOutputException or TimeoutException)
            {
                Interlocked.Increment(ref failed);
                report.Line($"draft {i} failed: {e.Message}");
            }
            finally
            {
                slots.Release();
            }
        }));
        clock.Stop();

        var minutes = clock.Elapsed.TotalMinutes;
        var used = server.AdmittedTokens / minutes / TokensPerMinute;
        report.Line($"{clock.Elapsed.TotalSeconds:0.0} s; server admitted {server.AdmittedTokens:N0} tokens in {server.Admitted} calls, refused {server.Refused} with 429");
        report.Line($"quota used: {used:P1} of the tokens per minute; {server.Admitted / minutes:0.0} of {RequestsPerMinute} requests per minute");
        return new Outcome($"quota-used[N={pairs}]={used:0.00},failed={failed},429s={server.Refused}", used >= 0.90 && failed == 0);
    }

    private static RationaleRequest Request(int i) => new(
        new QaItem($"q{i:D5}", "cardiology", $"患者{i}号，男，58岁，胸痛2小时，心电图示V1–V4导联ST段抬高。最可能闭塞的血管是？",
            new Dictionary<string, string> { ["A"] = "右冠状动脉", ["B"] = "左前降支", ["C"] = "左回旋支", ["D"] = "左主干" }, "B"),
        "rationale-v1", RubricOptions.Default().Criteria, Candidate: 0);

    /// <summary>An OpenAI-compatible server that enforces a per-minute quota over a sliding window, like the real service.</summary>
    private sealed class QuotaServer : IAsyncDisposable
    {
        private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

        private readonly WebApplication _app;
        private readonly int _tokensPerMinute;
        private readonly int _requestsPerMinute;
        private readonly Queue<(long At, int Tokens)> _admitted = new();
        private readonly Lock _gate = new();
        private int _tokensInWindow;

        private QuotaServer(WebApplication app, int tokensPerMinute, int requestsPerMinute) =>
            (_app, _tokensPerMinute, _requestsPerMinute) = (app, tokensPerMinute, requestsPerMinute);

        public Uri BaseAddress { get; private set; } = null!;

        public long AdmittedTokens { get; private set; }

        public int Admitted { get; private set; }

        public int Refused { get; private set; }

        public static async Task<QuotaServer> StartAsync(int tokensPerMinute, int requestsPerMinute)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
            var app = builder.Build();
            var server = new QuotaServer(app, tokensPerMinute, requestsPerMinute);
            app.MapPost("/v1/chat/completions", server.HandleAsync);
            await app.StartAsync();
            server.BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
            return server;
        }

        private async Task HandleAsync(HttpContext context)
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            var root = body.RootElement;
            var prompt = root.GetProperty("messages").EnumerateArray().Sum(m => LlmBudget.EstimateTokens(m.GetProperty("content").GetString() ?? ""));
            var cost = prompt + root.GetProperty("max_completion_tokens").GetInt32();
            var wait = Admit(cost);
            if (wait > TimeSpan.Zero)
            {
                context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                context.Response.Headers["retry-after"] = Math.Ceiling(wait.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await context.Response.WriteAsync("""{"error":{"message":"Rate limit reached","type":"rate_limit"}}""", context.RequestAborted);
                return;
            }

            var content = """{"steps":["胸痛伴V1–V4导联ST段抬高，提示前壁心肌梗死。","前壁由左前降支供血。","因此最可能闭塞的是左前降支，答案为B。"],"final_answer":"B"}""";
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(JsonSerializer.Serialize(new
            {
                id = "chatcmpl-quota",
                @object = "chat.completion",
                created = 1_700_000_000,
                model = "quota-model",
                choices = new[] { new { index = 0, message = new { role = "assistant", content }, finish_reason = "stop" } },
                usage = new { prompt_tokens = prompt, completion_tokens = 120, total_tokens = prompt + 120 },
            }), context.RequestAborted);
        }

        /// <summary>Admits a call of <paramref name="cost"/> tokens, or says how long until the window has room for it.</summary>
        private TimeSpan Admit(int cost)
        {
            lock (_gate)
            {
                var now = Stopwatch.GetTimestamp();
                while (_admitted.Count > 0 && Stopwatch.GetElapsedTime(_admitted.Peek().At, now) >= Window)
                {
                    _tokensInWindow -= _admitted.Dequeue().Tokens;
                }

                if (_tokensInWindow + cost <= _tokensPerMinute && _admitted.Count < _requestsPerMinute)
                {
                    _admitted.Enqueue((now, cost));
                    _tokensInWindow += cost;
                    AdmittedTokens += cost;
                    Admitted++;
                    return TimeSpan.Zero;
                }

                Refused++;
                // Until enough of the oldest calls leave the window.
                var freed = 0;
                foreach (var (at, tokens) in _admitted)
                {
                    freed += tokens;
                    if (_tokensInWindow - freed + cost <= _tokensPerMinute)
                    {
                        return Window - Stopwatch.GetElapsedTime(at, now);
                    }
                }

                return Window;
            }
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
