using Azure;
using Grpc.Core;
using CotPipeline.Pages;
using Microsoft.AspNetCore.Http;

namespace CotPipeline.Http;

/// <summary>
/// The storage account out of reach (down, restarting, throttling): the caller gets 503 with <c>Retry-After</c> and a sentence
/// saying so, instead of a bare 500 — nothing was changed, and the same request can simply be sent again. Both hosts wrap
/// every route in it (a middleware each), so no handler has to.
/// </summary>
public static class StorageUnavailable
{
    public const int RetryAfterSeconds = 10;

    /// <summary>
    /// Whether <paramref name="error"/> (or an exception inside it) is a storage call that got no answer, or a "busy" one; or a call of
    /// the durable client that the engine could not serve for the same reason (gRPC's Unavailable: its storage or host out of reach).
    /// </summary>
    public static bool Is(Exception? error) =>
        Within(error, e => e is RequestFailedException { Status: 0 or StatusCodes.Status503ServiceUnavailable } || EngineUnavailable(e));

    /// <summary>Whether the storage out of reach is the engine's (a durable client call failed), not the pipeline's own.</summary>
    public static bool IsEngine(Exception? error) => Within(error, EngineUnavailable);

    private static bool EngineUnavailable(Exception e) => e is RpcException { StatusCode: StatusCode.Unavailable };

    /// <summary>Whether <paramref name="error"/> or an exception inside it (inner, or one of many) is one <paramref name="match"/> finds.</summary>
    private static bool Within(Exception? error, Func<Exception, bool> match) => error switch
    {
        null => false,
        _ when match(error) => true,
        AggregateException many => many.InnerExceptions.Any(e => Within(e, match)),
        _ => Within(error.InnerException, match),
    };

    /// <summary>
    /// The 503 for <paramref name="error"/>. When the engine was out of reach, what the request stored before it is kept (a review
    /// is), so the answer does not say that nothing was changed: sent again, the request finds it and goes on.
    /// </summary>
    public static Task WriteAsync(HttpContext context, Exception? error = null)
    {
        context.Response.Clear();
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (context.Request.Path.StartsWithSegments($"/{ApiRouteTable.Prefix}/review"))
        {
            // A reviewer in a browser: a page in the page's words, not JSON.
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            foreach (var (name, value) in PageSecurity.Headers)
            {
                context.Response.Headers[name] = value;
            }

            context.Response.ContentType = PageSecurity.ContentType;
            var saved = HttpMethods.IsPost(context.Request.Method)
                ? "Your review may not have reached the item yet. Go back (your browser keeps what you typed) and submit it again in a minute."
                : "Please open the link again in a minute.";
            return context.Response.WriteAsync(ReviewPages.Confirmation("The review service is briefly unavailable",
                $"Our storage could not be reached just now. {saved}"), context.RequestAborted);
        }

        var detail = IsEngine(error)
            ? $"The orchestration engine's storage could not be reached; what was stored so far is kept. Send the same request again in {RetryAfterSeconds} seconds."
            : $"The storage account could not be reached; nothing was changed. Send the same request again in {RetryAfterSeconds} seconds.";
        return Results.Problem(
            detail,
            statusCode: StatusCodes.Status503ServiceUnavailable, title: "Storage unavailable").ExecuteAsync(context);
    }
}
