using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CotPipeline.Domain;
using CotPipeline.Options;
using CotPipeline.Storage;

namespace CotPipeline.Intake;

/// <summary>A problem with one line of an upload, said so the operator can fix it.</summary>
public sealed record LineError(int Line, string Message)
{
    public override string ToString() => $"line {Line}: {Message}";
}

/// <summary>The parsed upload: the items when every line is good, else every problem found.</summary>
public sealed record IntakeResult(IReadOnlyList<QaItem> Items, IReadOnlyList<LineError> Errors, int ErrorCount);

/// <summary>
/// Parses and validates a JSONL upload, one QA item per line:
/// <c>{"id","department"?,"question","options":{"A":…}|[…],"answer","metadata"?}</c>.
/// Reports every bad line with its number and reason; blank lines are ignored.
/// </summary>
public static class IntakeParser
{
    /// <summary>Errors beyond this many are counted but not listed.</summary>
    public const int MaxListedErrors = 500;

    public const string DefaultDepartment = "general";

    public const string NotUtf8 = "the text is not valid UTF-8; save the file as UTF-8 and upload it again";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly HashSet<string> KnownFields = ["id", "department", "question", "options", "answer", "metadata"];

    public static async Task<IntakeResult> ParseAsync(Stream utf8Jsonl, ApiOptions limits, CancellationToken ct = default)
    {
        var items = new List<QaItem>();
        var errors = new List<LineError>();
        var errorCount = 0;
        var firstLineOfId = new Dictionary<string, int>(StringComparer.Ordinal);

        void Fail(int line, string message)
        {
            errorCount++;
            if (errors.Count < MaxListedErrors)
            {
                errors.Add(new LineError(line, message));
            }
        }

        // Lines are split as bytes and each is decoded on its own, so invalid UTF-8 is reported on its own line
        // (a decoding reader fails a whole buffer at once, far from the line at fault).
        var reader = PipeReader.Create(utf8Jsonl, new StreamPipeReaderOptions(bufferSize: 64 * 1024, leaveOpen: true));
        var lineNumber = 0;
        var full = false;

        void ParseNextLine(ReadOnlySequence<byte> bytes)
        {
            lineNumber++;
            string line;
            try
            {
                line = StrictUtf8.GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                Fail(lineNumber, NotUtf8);
                return;
            }

            if (lineNumber == 1 && line.StartsWith('\uFEFF'))
            {
                line = line[1..];
            }

            if (string.IsNullOrWhiteSpace(line))
            {
                return;
            }

            var (item, problem) = ParseLine(line.TrimEnd('\r'), limits);
            if (problem is not null)
            {
                Fail(lineNumber, problem);
                return;
            }

            if (firstLineOfId.TryGetValue(item!.Id, out var first))
            {
                Fail(lineNumber, $"duplicate id \"{item.Id}\" (first used on line {first})");
                return;
            }

            firstLineOfId[item.Id] = lineNumber;
            if (items.Count == limits.MaxItemsPerBatch)
            {
                Fail(lineNumber, $"the batch has more than {limits.MaxItemsPerBatch:N0} items; split the file");
                full = true;
                return;
            }

            items.Add(item);
        }

        try
        {
            while (!full)
            {
                var read = await reader.ReadAsync(ct);
                var buffer = read.Buffer;
                while (!full && buffer.PositionOf((byte)'\n') is { } end)
                {
                    ParseNextLine(buffer.Slice(0, end));
                    buffer = buffer.Slice(buffer.GetPosition(1, end));
                }

                if (read.IsCompleted)
                {
                    if (!full && !buffer.IsEmpty)
                    {
                        ParseNextLine(buffer);
                    }

                    break;
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        finally
        {
            await reader.CompleteAsync();
        }

        if (lineNumber > 0 && items.Count == 0 && errorCount == 0)
        {
            Fail(1, "the file has no items, only blank lines");
        }
        else if (lineNumber == 0)
        {
            Fail(1, "the file is empty; send one JSON object per line");
        }

        return errorCount == 0
            ? new IntakeResult(items, [], 0)
            : new IntakeResult([], errors, errorCount);
    }

    private static (QaItem? Item, string? Problem) ParseLine(string line, ApiOptions limits)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(line, documentOptions: new JsonDocumentOptions { MaxDepth = 16, AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            return (null, $"not valid JSON ({FirstSentence(e.Message)})");
        }

        if (node is not JsonObject obj)
        {
            return (null, $"expected a JSON object, got {Describe(node)}");
        }

        var unknown = obj.Select(p => p.Key).Where(k => !KnownFields.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            return (null, $"unknown field {string.Join(", ", unknown.Select(u => $"\"{Ids.Shorten(u)}\""))}; put extra data under \"metadata\"");
        }

        if (!TryString(obj, "id", out var id, out var problem))
        {
            return (null, problem);
        }

        if (Ids.Problem(id, "field \"id\"") is { } idProblem)
        {
            return (null, idProblem);
        }

        var department = DefaultDepartment;
        if (obj.ContainsKey("department"))
        {
            if (!TryString(obj, "department", out department, out problem))
            {
                return (null, problem);
            }

            if (department.Length > 64)
            {
                return (null, $"field \"department\" is {department.Length} characters long; at most 64 are allowed");
            }
        }

        if (!TryString(obj, "question", out var question, out problem))
        {
            return (null, problem);
        }

        if (question.Length > limits.MaxQuestionChars)
        {
            return (null, $"field \"question\" is {question.Length:N0} characters long; at most {limits.MaxQuestionChars:N0} are allowed");
        }

        var (options, optionsProblem) = ParseOptions(obj["options"], limits);
        if (optionsProblem is not null)
        {
            return (null, optionsProblem);
        }

        if (!TryString(obj, "answer", out var answer, out problem))
        {
            return (null, problem);
        }

        answer = answer.Trim();
        if (!options!.ContainsKey(answer))
        {
            return (null, $"field \"answer\" is \"{Ids.Shorten(answer)}\" but options are {OptionRange(options.Keys)}");
        }

        JsonObject? metadata = null;
        if (obj["metadata"] is { } meta)
        {
            if (meta is not JsonObject metaObject)
            {
                return (null, $"field \"metadata\" must be a JSON object, got {Describe(meta)}");
            }

            metadata = (JsonObject)metaObject.DeepClone();
        }

        return (new QaItem(id, department.Trim(), question, options, answer, metadata), null);
    }

    private static (Dictionary<string, string>? Options, string? Problem) ParseOptions(JsonNode? node, ApiOptions limits)
    {
        var options = new SortedDictionary<string, string>(StringComparer.Ordinal);
        switch (node)
        {
            case null:
                return (null, "field \"options\" is missing");
            case JsonArray array:
                if (array.Count > 26)
                {
                    return (null, $"field \"options\" has {array.Count} entries; at most {limits.MaxOptions} are allowed");
                }

                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is not JsonValue v || !v.TryGetValue<string>(out var text))
                    {
                        return (null, $"option {i + 1} of field \"options\" must be a string");
                    }

                    options[((char)('A' + i)).ToString()] = text;
                }

                break;
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    if (key.Length != 1 || key[0] is < 'A' or > 'Z')
                    {
                        return (null, $"option key \"{Ids.Shorten(key)}\" must be one capital letter A–Z");
                    }

                    if (value is not JsonValue v || !v.TryGetValue<string>(out var text))
                    {
                        return (null, $"option \"{key}\" must be a string");
                    }

                    options[key] = text;
                }

                break;
            default:
                return (null, $"field \"options\" must be an object such as {{\"A\": \"…\"}} or an array of strings, got {Describe(node)}");
        }

        if (options.Count < 2 || options.Count > limits.MaxOptions)
        {
            return (null, $"field \"options\" has {options.Count} options; between 2 and {limits.MaxOptions} are allowed");
        }

        foreach (var (key, text) in options)
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                return (null, $"option \"{key}\" is empty");
            }

            if (text.Length > limits.MaxOptionChars)
            {
                return (null, $"option \"{key}\" is {text.Length:N0} characters long; at most {limits.MaxOptionChars:N0} are allowed");
            }
        }

        return (new Dictionary<string, string>(options, StringComparer.Ordinal), null);
    }

    private static bool TryString(JsonObject obj, string field, out string value, out string? problem)
    {
        value = "";
        problem = null;
        if (!obj.TryGetPropertyValue(field, out var node) || node is null)
        {
            problem = $"field \"{field}\" is missing";
            return false;
        }

        if (node is not JsonValue v || !v.TryGetValue(out string? s))
        {
            problem = $"field \"{field}\" must be a string, got {Describe(node)}";
            return false;
        }

        if (string.IsNullOrWhiteSpace(s))
        {
            problem = $"field \"{field}\" is empty";
            return false;
        }

        value = s;
        return true;
    }

    private static string OptionRange(IEnumerable<string> keys)
    {
        var sorted = keys.Order(StringComparer.Ordinal).ToList();
        var contiguous = sorted.Count > 1 && sorted.Select((k, i) => k[0] - sorted[0][0] == i).All(b => b);
        return contiguous ? $"{sorted[0]}–{sorted[^1]}" : string.Join(", ", sorted);
    }

    private static string Describe(JsonNode? node) => node switch
    {
        null => "null",
        JsonArray => "an array",
        JsonObject => "an object",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            _ => "a value",
        },
        _ => "a value",
    };

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(". ", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message.TrimEnd('.');
    }
}
