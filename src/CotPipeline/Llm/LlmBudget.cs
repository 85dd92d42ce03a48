using System.Text;
using System.Threading.RateLimiting;

namespace CotPipeline.Llm;

/// <summary>
/// The process-wide share of the model deployment's quota: requests and tokens per minute, as Azure OpenAI counts them
/// (a call costs its prompt's tokens plus its <c>max_tokens</c> when it is admitted). Every LLM call waits for its cost
/// here first, so the activities together run at the quota instead of storming it and living on 429s. Each limit is a
/// token bucket holding a small burst (5 % of a minute, at least one call) and refilled with the rest of the minute's
/// quota, so no 60-second window ever admits more than the quota while the long-run rate stays at about 95 % of it.
/// Zero means no limit.
/// </summary>
public sealed class LlmBudget : IDisposable
{
    private readonly TokenBucketRateLimiter? _requests;
    private readonly TokenBucketRateLimiter? _tokens;
    private readonly int _tokenBucket;
    private long _waitedTicks;
    private long _admittedTokens;
    private long _admittedRequests;

    /// <param name="largestCallTokens">The cost of the largest call expected (prompt and completion limit): the token burst holds at least one.</param>
    public LlmBudget(int requestsPerMinute, int tokensPerMinute, int largestCallTokens = 1)
    {
        _requests = Bucket(requestsPerMinute, 1, out _);
        _tokens = Bucket(tokensPerMinute, largestCallTokens, out _tokenBucket);
    }

    /// <summary>A budget that admits everything at once.</summary>
    public static LlmBudget Unlimited() => new(0, 0);

    /// <summary>Time calls spent waiting for the budget, summed over all calls.</summary>
    public TimeSpan Waited => TimeSpan.FromTicks(Interlocked.Read(ref _waitedTicks));

    /// <summary>Tokens admitted so far (estimated prompt tokens plus <c>max_tokens</c> per call).</summary>
    public long AdmittedTokens => Interlocked.Read(ref _admittedTokens);

    public long AdmittedRequests => Interlocked.Read(ref _admittedRequests);

    /// <summary>The cost the service charges a call when admitting it: the prompt's tokens (estimated) plus the completion limit.</summary>
    public static int CostOf(string system, string user, int maxOutputTokens) => EstimateTokens(system) + EstimateTokens(user) + maxOutputTokens;

    /// <summary>
    /// A cautious token estimate without a tokenizer: one token per three UTF-8 bytes covers English (about four characters
    /// per token) and Chinese (one or two tokens per three-byte character) without counting far under.
    /// </summary>
    public static int EstimateTokens(string text) => (Encoding.UTF8.GetByteCount(text) + 2) / 3;

    /// <summary>Waits until one request costing <paramref name="tokens"/> fits the budget; a cost above the burst waits for a full one and is charged that.</summary>
    public async Task AcquireAsync(int tokens, CancellationToken ct)
    {
        var started = TimeProvider.System.GetTimestamp();
        if (_requests is not null)
        {
            using var lease = await _requests.AcquireAsync(1, ct);
            Ensure(lease);
        }

        if (_tokens is not null && tokens > 0)
        {
            using var lease = await _tokens.AcquireAsync(Math.Min(tokens, _tokenBucket), ct);
            Ensure(lease);
        }

        Interlocked.Add(ref _waitedTicks, TimeProvider.System.GetElapsedTime(started).Ticks);
        Interlocked.Add(ref _admittedTokens, tokens);
        Interlocked.Increment(ref _admittedRequests);
    }

    public void Dispose()
    {
        _requests?.Dispose();
        _tokens?.Dispose();
    }

    private static TokenBucketRateLimiter? Bucket(int perMinute, int smallestBurst, out int burst)
    {
        burst = 0;
        if (perMinute <= 0)
        {
            return null;
        }

        // burst + refill over any 60 s = the quota: the window never overflows, whatever the timing of the calls.
        burst = Math.Min(perMinute, Math.Max(Math.Max(1, smallestBurst), perMinute / 20));
        var refillPerMinute = Math.Max(1, perMinute - burst);
        // Whole permits per refill, and the period stretched to match, so the refill rate is exact.
        var perRefill = Math.Max(1, refillPerMinute / 60);
        return new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = perRefill,
            ReplenishmentPeriod = TimeSpan.FromMinutes((double)perRefill / refillPerMinute),
            AutoReplenishment = true,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    private static void Ensure(RateLimitLease lease)
    {
        if (!lease.IsAcquired)
        {
            throw new InvalidOperationException("The LLM budget refused a call it should have queued.");
        }
    }
}
