using Azure;
using Grpc.Core;
using CotPipeline.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CotPipeline.Tests.Http;

public sealed class StorageUnavailableTests
{
    public static TheoryData<Exception, bool> Errors => new()
    {
        { new RequestFailedException(0, "connection refused", new HttpRequestException("refused")), true },
        { new RequestFailedException(503, "server busy"), true },
        { new InvalidOperationException("step failed", new RequestFailedException(0, "no answer")), true },
        { new AggregateException(new TimeoutException(), new RequestFailedException(503, "busy")), true },
        { new RequestFailedException(404, "not found"), false },
        { new RequestFailedException(409, "conflict"), false },
        { new RequestFailedException(412, "condition not met"), false },
        { new HttpRequestException("an LLM call, not storage"), false },
        { new InvalidOperationException("a bug"), false },
        { new RpcException(new Status(StatusCode.Unavailable, "the engine's storage could not be reached")), true },
        { new RpcException(new Status(StatusCode.Unknown, "Exception was thrown by handler.")), false },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void Is_StorageGaveNoAnswerOrWasBusy_OnlyThen(Exception error, bool expected) =>
        Assert.Equal(expected, StorageUnavailable.Is(error));

    [Fact]
    public async Task WriteAsync_HalfWrittenHeaders_503ProblemWithRetryAfterOnly()
    {
        var context = new DefaultHttpContext { RequestServices = new Microsoft.Extensions.DependencyInjection.ServiceCollection().AddLogging().BuildServiceProvider() };
        context.Response.Headers["X-Partial"] = "from the handler";
        context.Response.Body = new MemoryStream();

        await StorageUnavailable.WriteAsync(context);

        Assert.Equal(503, context.Response.StatusCode);
        Assert.Equal("10", context.Response.Headers.RetryAfter.ToString());
        Assert.False(context.Response.Headers.ContainsKey("X-Partial"));
        Assert.Equal("application/problem+json", context.Response.ContentType);
        context.Response.Body.Position = 0;
        var body = await new StreamReader(context.Response.Body).ReadToEndAsync();
        Assert.Contains("\"title\":\"Storage unavailable\"", body);
        Assert.Contains("nothing was changed", body);
    }

    [Theory]
    [InlineData("POST", "Your review may not have reached the item yet")]
    [InlineData("GET", "open the link again")]
    public async Task WriteAsync_ReviewPage_503HtmlPageForTheReviewerWithPageSecurityHeaders(string method, string expected)
    {
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        context.Request.Method = method;
        context.Request.Path = "/api/review/some.token";
        context.Response.Body = new MemoryStream();

        await StorageUnavailable.WriteAsync(context);

        Assert.Equal(503, context.Response.StatusCode);
        Assert.Equal("10", context.Response.Headers.RetryAfter.ToString());
        Assert.StartsWith("text/html", context.Response.ContentType);
        Assert.Contains("default-src 'none'", context.Response.Headers.ContentSecurityPolicy.ToString());
        context.Response.Body.Position = 0;
        var html = await new StreamReader(context.Response.Body).ReadToEndAsync();
        Assert.Contains("briefly unavailable", html);
        Assert.Contains(expected, html);
    }

    [Fact]
    public async Task WriteAsync_TheEngineOutOfReach_SaysWhatWasStoredIsKept()
    {
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        context.Response.Body = new MemoryStream();

        await StorageUnavailable.WriteAsync(context, new RpcException(new Status(StatusCode.Unavailable, "away")));

        Assert.Equal(503, context.Response.StatusCode);
        Assert.Equal("10", context.Response.Headers.RetryAfter.ToString());
        context.Response.Body.Position = 0;
        var body = await new StreamReader(context.Response.Body).ReadToEndAsync();
        Assert.Contains("what was stored so far is kept", body);
        Assert.DoesNotContain("nothing was changed", body);
    }
}
