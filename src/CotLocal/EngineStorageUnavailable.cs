using CotPipeline.Http;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace CotLocal;

/// <summary>
/// The sidecar answers a client call that failed because the engine's storage could not be reached with gRPC's
/// <see cref="StatusCode.Unavailable"/> instead of an opaque "exception thrown by handler", so the API answers 503 with
/// <c>Retry-After</c> (<see cref="StorageUnavailable"/>), as it does when the pipeline's own storage is away. The worker's calls
/// (work items and their results) keep the sidecar's own answers.
/// </summary>
public sealed class EngineStorageUnavailable : Interceptor
{
    /// <summary>The client's calls of the sidecar's service, the ones an API request waits on.</summary>
    private static readonly HashSet<string> ClientMethods = new(StringComparer.Ordinal)
    {
        "StartInstance", "GetInstance", "RaiseEvent", "TerminateInstance", "SuspendInstance", "ResumeInstance", "QueryInstances",
        "PurgeInstances", "WaitForInstanceStart", "WaitForInstanceCompletion", "RestartInstance", "RewindInstance",
    };

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception e) when (e is not RpcException && StorageUnavailable.Is(e) && ClientMethods.Contains(MethodName(context.Method)))
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "The engine's storage could not be reached.", e));
        }
    }

    /// <summary>"/Package.Service/Method" → "Method".</summary>
    private static string MethodName(string fullName) => fullName[(fullName.LastIndexOf('/') + 1)..];
}
