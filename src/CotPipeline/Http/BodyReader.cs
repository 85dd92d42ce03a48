using System.Text.Json;
using CotPipeline.Storage;
using Microsoft.AspNetCore.Http;

namespace CotPipeline.Http;

/// <summary>Reads request bodies with a size limit, so an oversized or endless body is refused, not buffered.</summary>
public static class BodyReader
{
    /// <summary>Copies the body to <paramref name="target"/>; false when it exceeds <paramref name="maxBytes"/>.</summary>
    public static async Task<bool> CopyLimitedAsync(HttpRequest request, Stream target, long maxBytes, CancellationToken ct)
    {
        if (request.ContentLength > maxBytes)
        {
            return false;
        }

        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await request.Body.ReadAsync(buffer, ct)) > 0)
        {
            total += read;
            if (total > maxBytes)
            {
                return false;
            }

            await target.WriteAsync(buffer.AsMemory(0, read), ct);
        }

        return true;
    }

    /// <summary>Reads a JSON body of at most <paramref name="maxBytes"/>; the error says what was wrong.</summary>
    public static async Task<(T? Value, IResult? Error)> ReadJsonAsync<T>(HttpRequest request, int maxBytes, CancellationToken ct)
        where T : class
    {
        using var buffer = new MemoryStream();
        if (!await CopyLimitedAsync(request, buffer, maxBytes, ct))
        {
            return (null, Problems.TooLarge($"The body is larger than {maxBytes:N0} bytes."));
        }

        if (buffer.Length == 0)
        {
            return (null, Problems.BadRequest("The body is empty; send a JSON object."));
        }

        try
        {
            buffer.Position = 0;
            var value = await JsonSerializer.DeserializeAsync<T>(buffer, Json.Options, ct);
            return value is null ? (null, Problems.BadRequest("The body is JSON null; send a JSON object.")) : (value, null);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}, position {e.BytePositionInLine + 1}" : "";
            var path = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "" : $" (field {e.Path})";
            return (null, Problems.BadRequest($"The body is not valid JSON{where}{path}."));
        }
    }
}
