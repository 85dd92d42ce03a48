using Microsoft.AspNetCore.Http;

namespace CotPipeline.Http;

/// <summary>HTTP errors as Problem Details (<c>application/problem+json</c>), each saying what was wrong and where.</summary>
public static class Problems
{
    public static IResult BadRequest(string detail, IDictionary<string, object?>? extensions = null) =>
        Results.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "The request is not valid", extensions: extensions);

    public static IResult NotFound(string detail) =>
        Results.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    public static IResult Conflict(string title, string detail, IDictionary<string, object?>? extensions = null) =>
        Results.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: title, extensions: extensions);

    public static IResult TooLarge(string detail) =>
        Results.Problem(detail, statusCode: StatusCodes.Status413PayloadTooLarge, title: "The request body is too large");

    public static IResult UnsupportedMediaType(string detail) =>
        Results.Problem(detail, statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported content type");
}
