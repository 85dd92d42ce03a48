using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CotPipeline.IntegrationTests.Llm;

/// <summary>What the fake server answers to one request.</summary>
internal sealed record Reply(int Status, string Body, IReadOnlyDictionary<string, string> Headers, TimeSpan Delay)
{
    public static Reply Success(
        string content, string model = "served-model", int promptTokens = 321, int completionTokens = 54, string finishReason = "stop") =>
        new(200, JsonSerializer.Serialize(new
        {
            id = "chatcmpl-test",
            @object = "chat.completion",
            created = 1_700_000_000,
            model,
            choices = new[] { new { index = 0, message = new { role = "assistant", content }, finish_reason = finishReason } },
            usage = new { prompt_tokens = promptTokens, completion_tokens = completionTokens, total_tokens = promptTokens + completionTokens },
        }), new Dictionary<string, string>(), TimeSpan.Zero);

    public static Reply Error(int status, params (string Name, string Value)[] headers) =>
        new(status, """{"error":{"message":"scripted failure","type":"test"}}""",
            headers.ToDictionary(h => h.Name, h => h.Value), TimeSpan.Zero);

    public Reply After(TimeSpan delay) => this with { Delay = delay };
}

/// <summary>One request the fake server received.</summary>
internal sealed record ReceivedRequest(string Path, string Query, IReadOnlyDictionary<string, string> Headers, string Body, long Timestamp)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;
}

/// <summary>
/// An OpenAI-compatible chat-completion server on a free loopback port, answering
/// <c>/v1/chat/completions</c> and Azure's <c>/openai/deployments/{d}/chat/completions</c> with scripted replies
/// (then <see cref="Fallback"/>), and recording every request.
/// </summary>
internal sealed class FakeChatServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Reply> _script = new();
    private readonly ConcurrentQueue<ReceivedRequest> _received = new();

    private FakeChatServer(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    public Reply Fallback { get; set; } = Reply.Success("""{"steps":["fallback step"],"final_answer":"A"}""");

    public IReadOnlyList<ReceivedRequest> Received => [.. _received];

    public static async Task<FakeChatServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new FakeChatServer(app);
        app.MapPost("/v1/chat/completions", server.HandleAsync);
        app.MapPost("/openai/deployments/{deployment}/chat/completions", server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.BaseAddress = new Uri(address);
        return server;
    }

    /// <summary>Queues replies for the next requests, in order.</summary>
    public void Script(params Reply[] replies)
    {
        foreach (var reply in replies)
        {
            _script.Enqueue(reply);
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var timestamp = Stopwatch.GetTimestamp();
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        _received.Enqueue(new ReceivedRequest(
            context.Request.Path, context.Request.QueryString.Value ?? "",
            context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()),
            body, timestamp));

        var reply = _script.TryDequeue(out var next) ? next : Fallback;
        if (reply.Delay > TimeSpan.Zero)
        {
            await Task.Delay(reply.Delay, context.RequestAborted);
        }

        context.Response.StatusCode = reply.Status;
        foreach (var (name, value) in reply.Headers)
        {
            context.Response.Headers[name] = value;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(reply.Body, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
