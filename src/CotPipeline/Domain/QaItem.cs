using System.Text.Json.Nodes;

namespace CotPipeline.Domain;

/// <summary>One question–answer pair of a batch, as uploaded by the operator.</summary>
public sealed record QaItem(
    string Id,
    string Department,
    string Question,
    IReadOnlyDictionary<string, string> Options,
    string Answer,
    JsonObject? Metadata = null);
