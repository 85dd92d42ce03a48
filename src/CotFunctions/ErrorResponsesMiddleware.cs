using CotPipeline.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;

namespace CotFunctions;

/// <summary>
/// An HTTP function that found the storage account out of reach answers 503 with <c>Retry-After</c> (<see cref="StorageUnavailable"/>);
/// one that failed otherwise answers 500 with a trace id the log has too (<see cref="ServerError"/>).
/// </summary>
public sealed class ErrorResponsesMiddleware : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (context.GetHttpContext() is { Response.HasStarted: false, RequestAborted.IsCancellationRequested: false })
        {
            var http = context.GetHttpContext()!;
            if (StorageUnavailable.Is(e))
            {
                await StorageUnavailable.WriteAsync(http, e);
            }
            else
            {
                await ServerError.WriteAsync(http, e, context.GetLogger<ErrorResponsesMiddleware>());
            }
        }
    }
}
