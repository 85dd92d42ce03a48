using Azure;
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

    /// <summary>Whether <paramref name="error"/> (or an exception inside it) is a storage call that got no answer, or a "busy" one.</summary>
    public static bool Is(Exception? error) => error switch
    {
        null => false,
        RequestFailedException { Status: 0 or StatusCodes.Status503ServiceUnavailable } => true,
        AggregateException many => many.InnerExceptions.Any(Is),
        _ => Is(error.InnerException),
    };

    public static Task WriteAsync(HttpContext context)
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
                ? "Your review was not saved yet. Go back (your browser keeps what you typed) and submit it again in a minute."
                : "Please open the link again in a minute.";
            return context.Response.WriteAsync(ReviewPages.Confirmation("The review service is briefly unavailable",
                $"Our storage could not be reached just now. {saved}"), context.RequestAborted);
        }

        return Results.Problem(
            $"The storage account could not be reached; nothing was changed. Send the same request again in {RetryAfterSeconds} seconds.",
            statusCode: StatusCodes.Status503ServiceUnavailable, title: "Storage unavailable").ExecuteAsync(context);
    }
}
