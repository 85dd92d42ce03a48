namespace CotPipeline.Export;

/// <summary>The five files of an export, their content types, and where they are stored.</summary>
public static class ExportFiles
{
    public const string Dataset = "dataset.jsonl";
    public const string Sft = "sft.jsonl";
    public const string Excluded = "excluded.jsonl";
    public const string Agreement = "agreement.json";
    public const string Card = "README.md";

    /// <summary>Each file name with the content type it is served with; no other name is ever read back.</summary>
    public static readonly IReadOnlyDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [Dataset] = "application/x-ndjson; charset=utf-8",
        [Sft] = "application/x-ndjson; charset=utf-8",
        [Excluded] = "application/x-ndjson; charset=utf-8",
        [Agreement] = "application/json; charset=utf-8",
        [Card] = "text/markdown; charset=utf-8",
    };

    public static string Path(string batchId, string exportId, string file) => $"exports/{batchId}/{exportId}/{file}";
}

/// <summary>What an export wrote: its id and each file with its size and, for JSONL files, its line count.</summary>
public sealed record ExportResult(string BatchId, string ExportId, IReadOnlyList<ExportedFile> Files);

/// <summary>One written file of an export.</summary>
public sealed record ExportedFile(string Name, long Bytes, int? Lines);
