using Microsoft.Extensions.Logging;

namespace CotPipeline.Llm;

/// <summary>Log messages of the LLM clients (event ids 3000–3099). Never logs keys or prompt text.</summary>
internal static partial class LlmLog
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Information,
        Message = "Rationale for item {ItemId} drafted by {Model} with prompt {PromptVersion}: {Steps} steps, {PromptTokens}+{CompletionTokens} tokens in {ElapsedMs} ms")]
    public static partial void Drafted(ILogger logger, string itemId, string model, string promptVersion, int steps,
        int promptTokens, int completionTokens, long elapsedMs);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning,
        Message = "LLM call answered HTTP {Status}; retry {Retry} of {MaxRetries} in {DelayMs} ms (server asked: {ServerAsked})")]
    public static partial void Retrying(ILogger logger, int status, int retry, int maxRetries, long delayMs, bool serverAsked);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning,
        Message = "LLM output for item {ItemId} rejected ({Model}, prompt {PromptVersion}): {Reason}")]
    public static partial void OutputRejected(ILogger logger, string itemId, string model, string promptVersion, string reason);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Error,
        Message = "LLM call for item {ItemId} timed out after {TimeoutMs} ms (Llm:RequestTimeout)")]
    public static partial void TimedOut(ILogger logger, string itemId, long timeoutMs);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Error,
        Message = "LLM call for item {ItemId} failed with HTTP {Status}")]
    public static partial void CallFailed(ILogger logger, Exception exception, string itemId, int status);
}
