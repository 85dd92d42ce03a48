using CotPipeline.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace CotFunctions;

/// <summary>An HTTP function that found the storage account out of reach answers 503 with <c>Retry-After</c> (<see cref="StorageUnavailable"/>).</summary>
public sealed class StorageUnavailableMiddleware : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (StorageUnavailable.Is(e))
        {
            if (context.GetHttpContext() is not { Response.HasStarted: false } http)
            {
                throw;
            }

            await StorageUnavailable.WriteAsync(http);
        }
    }
}
