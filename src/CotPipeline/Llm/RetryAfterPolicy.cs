using System.ClientModel.Primitives;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace CotPipeline.Llm;

/// <summary>
/// The SDK's retry policy (408, 429, 5xx and network failures, at most <c>maxRetries</c> times), waiting as long
/// as the server asks in <c>retry-after-ms</c>, <c>x-ms-retry-after-ms</c> or <c>retry-after</c> (seconds or a date),
/// and backing off exponentially from <see cref="FirstBackoff"/> when it asks nothing. No single wait exceeds <c>maxDelay</c>.
/// </summary>
/// <remarks>
/// Why not the SDK default: measured against the loopback server, System.ClientModel 1.15's <see cref="ClientRetryPolicy"/>
/// honours <c>retry-after</c> in seconds but ignores <c>retry-after-ms</c> (it retried a 429 after 4 ms), has no cap on
/// a wait, and Azure.AI.OpenAI brings a different default of its own. One policy gives both providers the same behaviour.
/// </remarks>
internal sealed class RetryAfterPolicy : ClientRetryPolicy
{
    internal static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(0.8);
    private static readonly string[] MillisecondHeaders = ["retry-after-ms", "x-ms-retry-after-ms"];

    private readonly int _maxRetries;
    private readonly TimeSpan _maxDelay;
    private readonly ILogger _logger;

    public RetryAfterPolicy(int maxRetries, TimeSpan maxDelay, ILogger logger)
        : base(maxRetries)
    {
        _maxRetries = maxRetries;
        _maxDelay = maxDelay;
        _logger = logger;
    }

    protected override TimeSpan GetNextDelay(PipelineMessage message, int tryCount)
    {
        var retry = tryCount;
        var asked = message.Response is { } response ? ServerDelay(response.Headers, DateTimeOffset.UtcNow) : null;
        var delay = asked ?? FirstBackoff * Math.Pow(2, Math.Min(retry - 1, 10));
        if (delay > _maxDelay)
        {
            delay = _maxDelay;
        }

        LlmLog.Retrying(_logger, message.Response?.Status ?? 0, retry, _maxRetries, (long)delay.TotalMilliseconds, asked is not null);
        return delay;
    }

    /// <summary>How long the server asked the client to wait, if it said.</summary>
    internal static TimeSpan? ServerDelay(PipelineResponseHeaders headers, DateTimeOffset now)
    {
        foreach (var header in MillisecondHeaders)
        {
            if (headers.TryGetValue(header, out var ms)
                && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var millis) && millis >= 0)
            {
                return TimeSpan.FromMilliseconds(millis);
            }
        }

        if (!headers.TryGetValue("retry-after", out var value) || string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return at > now ? at - now : TimeSpan.Zero;
        }

        return null;
    }
}
