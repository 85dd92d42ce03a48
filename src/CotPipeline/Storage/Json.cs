using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CotPipeline.Storage;

/// <summary>The JSON settings of every stored artifact and API body: camelCase, enums as strings, Chinese kept as is.</summary>
public static class Json
{
    public static readonly JsonSerializerOptions Options = Create();

    /// <summary>The same, but null fields are written too: for views where "none" must be visible, not left out.</summary>
    public static readonly JsonSerializerOptions Explicit = CreateExplicit();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            // Stored text is never embedded in HTML unencoded; keeping CJK readable in blobs and tables matters more.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    private static JsonSerializerOptions CreateExplicit()
    {
        var options = new JsonSerializerOptions(Options) { DefaultIgnoreCondition = JsonIgnoreCondition.Never };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException($"Expected a {typeof(T).Name}, got null.");
}
