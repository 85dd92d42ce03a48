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

    /// <summary>Reads a body of at most <paramref name="maxBytes"/> into memory; the error is a 413 when it is larger.</summary>
    public static async Task<(MemoryStream? Body, IResult? Error)> ReadLimitedAsync(HttpRequest request, int maxBytes, CancellationToken ct)
    {
        var buffer = new MemoryStream();
        if (!await CopyLimitedAsync(request, buffer, maxBytes, ct))
        {
            await buffer.DisposeAsync();
            return (null, Problems.TooLarge($"The body is larger than {maxBytes:N0} bytes."));
        }

        return (buffer, null);
    }

    /// <summary>Reads a JSON body of at most <paramref name="maxBytes"/>; the error says what was wrong.</summary>
    public static async Task<(T? Value, IResult? Error)> ReadJsonAsync<T>(HttpRequest request, int maxBytes, CancellationToken ct)
        where T : class
    {
        var (body, tooLarge) = await ReadLimitedAsync(request, maxBytes, ct);
        if (tooLarge is not null)
        {
            return (null, tooLarge);
        }

        using var buffer = body!;

        // "An array" for list bodies (the reviewer registry), "an object" otherwise.
        var expected = typeof(System.Collections.IEnumerable).IsAssignableFrom(typeof(T)) ? "a JSON array" : "a JSON object";
        if (buffer.Length == 0)
        {
            return (null, Problems.BadRequest($"The body is empty; send {expected}."));
        }

        // Syntax first, then shape: "not valid JSON" is said only of text that is not JSON.
        JsonDocument document;
        try
        {
            buffer.Position = 0;
            document = await JsonDocument.ParseAsync(buffer, cancellationToken: ct);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}, position {e.BytePositionInLine + 1}" : "";
            return (null, Problems.BadRequest($"The body is not valid JSON{where}."));
        }

        using (document)
        {
            try
            {
                var value = document.RootElement.Deserialize<T>(Json.Options);
                return value is null ? (null, Problems.BadRequest($"The body is JSON null; send {expected}.")) : (value, null);
            }
            catch (JsonException e)
            {
                var field = e.Path?.TrimStart('$').TrimStart('.');
                return (null, Problems.BadRequest(string.IsNullOrEmpty(field)
                    ? $"The body must be {expected}."
                    : $"Field \"{field}\" has the wrong type, or a value this API does not know."));
            }
        }
    }
}
