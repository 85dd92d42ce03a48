using CotPipeline.Pages;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CotPipeline.Http;

/// <summary>
/// An error no handler foresaw: logged with the request's trace id, and the caller told so with that id (Problem Details, or a
/// page for a reviewer) instead of a bare 500 with an empty body. Both hosts wrap every route in it, after
/// <see cref="StorageUnavailable"/>.
/// </summary>
public static class ServerError
{
    public static Task WriteAsync(HttpContext context, Exception error, ILogger logger)
    {
        var reviewPath = context.Request.Path.StartsWithSegments($"/{ApiRouteTable.Prefix}/review");
        // A review link's path is its key: it never goes into a log.
        var path = reviewPath ? $"/{ApiRouteTable.Prefix}/review/…" : context.Request.Path.Value;
        logger.LogError(error, "{Method} {Path} failed; trace id {TraceId}", context.Request.Method, path, context.TraceIdentifier);

        context.Response.Clear();
        context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        if (reviewPath)
        {
            foreach (var (name, value) in PageSecurity.Headers)
            {
                context.Response.Headers[name] = value;
            }

            context.Response.ContentType = PageSecurity.ContentType;
            return context.Response.WriteAsync(ReviewPages.Confirmation("Something went wrong on our side",
                "Please open the link from your e-mail again in a minute: if your review was saved, the page says so; if not, "
                + $"your browser still has what you typed to submit again. (Reference {context.TraceIdentifier}.)"), context.RequestAborted);
        }

        return Results.Problem(
            $"The request failed on the server; it is logged with trace id {context.TraceIdentifier}. It may or may not have "
            + "taken effect: check the state (GET) before sending it again.",
            statusCode: StatusCodes.Status500InternalServerError, title: "Unexpected server error",
            extensions: new Dictionary<string, object?> { ["traceId"] = context.TraceIdentifier }).ExecuteAsync(context);
    }
}
