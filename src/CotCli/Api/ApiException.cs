using System.Net;

namespace CotCli.Api;

/// <summary>The API answered a request with an error status; <see cref="Problem"/> is its body when it was Problem Details.</summary>
public sealed class ApiException(string request, HttpStatusCode status, string? reason, Problem? problem, string? body)
    : Exception($"{request} answered {(int)status} {reason ?? status.ToString()}")
{
    /// <summary>The request as the operator would recognise it, e.g. <c>GET /api/batches/demo</c>.</summary>
    public string Request { get; } = request;
    public HttpStatusCode Status { get; } = status;
    /// <summary>"404 Not Found": the status with the server's reason phrase.</summary>
    public string StatusText { get; } = $"{(int)status} {reason ?? status.ToString()}";
    public Problem? Problem { get; } = problem;
    /// <summary>The start of a body that was not Problem Details, for the error message.</summary>
    public string? Body { get; } = body;
}
