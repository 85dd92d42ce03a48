using System.Text.Json;

namespace CotCli.Api;

/// <summary>
/// The Problem Details body (<c>application/problem+json</c>) of an API error; <c>errors</c> lists every bad line or
/// entry of an upload, and <c>errorCount</c> says how many there were when only the first ones are listed.
/// </summary>
public sealed record Problem(string? Title, string? Detail, int? Status, JsonElement? Errors, int? ErrorCount)
{
    /// <summary>The <c>errors</c> member as lines: an array of strings, or an object of field → messages.</summary>
    public IReadOnlyList<string> ErrorLines => Errors switch
    {
        { ValueKind: JsonValueKind.Array } array => [.. array.EnumerateArray().Select(Text)],
        { ValueKind: JsonValueKind.Object } fields => [.. fields.EnumerateObject().SelectMany(f =>
            f.Value.ValueKind == JsonValueKind.Array ? f.Value.EnumerateArray().Select(m => $"{f.Name}: {Text(m)}") : [$"{f.Name}: {Text(f.Value)}"])],
        _ => [],
    };

    private static string Text(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
}
