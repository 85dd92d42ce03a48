using CotPipeline.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CotPipeline.Tests.Http;

public sealed class ServerErrorTests
{
    [Fact]
    public async Task WriteAsync_OperatorRoute_500ProblemWithTheTraceIdTheLogHasToo()
    {
        var (context, log) = Context("POST", "/api/batches");
        context.TraceIdentifier = "trace-42";

        await ServerError.WriteAsync(context, new InvalidOperationException("a bug"), log);

        Assert.Equal(500, context.Response.StatusCode);
        Assert.Equal("application/problem+json", context.Response.ContentType);
        var body = await BodyAsync(context);
        Assert.Contains("\"traceId\":\"trace-42\"", body);
        Assert.Contains("check the state (GET) before sending it again", body);
        var entry = Assert.Single(log.Entries);
        Assert.Equal(LogLevel.Error, entry.Level);
        Assert.Contains("POST /api/batches failed; trace id trace-42", entry.Message);
        Assert.IsType<InvalidOperationException>(entry.Error);
    }

    [Fact]
    public async Task WriteAsync_ReviewPage_500PageForTheReviewer_AndTheLinkNeverLogged()
    {
        var (context, log) = Context("POST", "/api/review/secret.token.value");

        await ServerError.WriteAsync(context, new InvalidOperationException("a bug"), log);

        Assert.Equal(500, context.Response.StatusCode);
        Assert.StartsWith("text/html", context.Response.ContentType);
        Assert.Contains("default-src 'none'", context.Response.Headers.ContentSecurityPolicy.ToString());
        Assert.Contains("if your review was saved, the page says so", await BodyAsync(context));
        Assert.DoesNotContain("secret.token.value", Assert.Single(log.Entries).Message);
    }

    private static (DefaultHttpContext Context, ListLogger Log) Context(string method, string path)
    {
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        context.Request.Method = method;
        context.Request.Path = path;
        context.Response.Headers["X-Partial"] = "from the handler";
        context.Response.Body = new MemoryStream();
        return (context, new ListLogger());
    }

    private static async Task<string> BodyAsync(HttpContext context)
    {
        context.Response.Body.Position = 0;
        return await new StreamReader(context.Response.Body).ReadToEndAsync();
    }

    private sealed class ListLogger : ILogger
    {
        public List<(LogLevel Level, string Message, Exception? Error)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, formatter(state, exception), exception));
    }
}
