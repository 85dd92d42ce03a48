using System.Text;
using CotPipeline.Intake;
using CotPipeline.Options;

namespace CotPipeline.Tests.Intake;

public sealed class IntakeParserTests
{
    /// <summary>Small limits, so over-long and over-many inputs stay small files.</summary>
    private static readonly ApiOptions Limits = new() { MaxQuestionChars = 100, MaxOptionChars = 20, MaxOptions = 5 };

    /// <summary>Each bad file of <c>Corpus/</c> and every error it must produce, in order (substrings of "line N: …").</summary>
    public static TheoryData<string, string[]> BadFiles => new()
    {
        {
            "bad-json.jsonl",
            ["line 2: not valid JSON (", "line 3: not valid JSON (", "line 4: not valid JSON (", "line 5: not valid JSON ("]
        },
        {
            "not-object.jsonl",
            [
                "line 1: expected a JSON object, got an array", "line 2: expected a JSON object, got a string",
                "line 3: expected a JSON object, got a number", "line 4: expected a JSON object, got null",
                "line 5: expected a JSON object, got a boolean",
            ]
        },
        {
            "missing-fields.jsonl",
            [
                "line 1: field \"id\" is missing", "line 2: field \"question\" is missing", "line 3: field \"options\" is missing",
                "line 4: field \"answer\" is missing", "line 5: field \"question\" is missing", "line 6: field \"question\" is empty",
            ]
        },
        {
            "wrong-types.jsonl",
            [
                "line 1: field \"id\" must be a string, got a number", "line 2: field \"question\" must be a string, got an array",
                "line 3: field \"options\" must be an object such as {\"A\": \"…\"} or an array of strings, got a string",
                "line 4: field \"answer\" must be a string, got a boolean", "line 5: option \"B\" must be a string",
                "line 6: field \"metadata\" must be a JSON object, got an array", "line 7: field \"department\" must be a string, got an object",
                "line 8: option 2 of field \"options\" must be a string",
            ]
        },
        {
            "answer-not-option.jsonl",
            [
                "line 1: field \"answer\" is \"E\" but options are A–D", "line 2: field \"answer\" is \"B\" but options are A, C",
                "line 3: field \"answer\" is \"a\" but options are A–C",
            ]
        },
        {
            "duplicate-id.jsonl",
            ["line 3: duplicate id \"q1\" (first used on line 1)", "line 5: duplicate id \"q2\" (first used on line 2)"]
        },
        {
            "too-long.jsonl",
            [
                "line 1: field \"question\" is 101 characters long; at most 100 are allowed",
                "line 2: option \"B\" is 21 characters long; at most 20 are allowed",
                "line 3: field \"department\" is 65 characters long; at most 64 are allowed",
            ]
        },
        {
            "bad-id.jsonl",
            [
                "line 1: field \"id\" \"q 1\" may contain only letters, digits, '_' and '-'",
                "line 2: field \"id\" \"../etc/passwd\" may contain only letters, digits, '_' and '-'",
                "line 3: field \"id\" \"q.3\" may contain only letters, digits, '_' and '-'",
                "line 4: field \"id\" is 65 characters long; at most 64 are allowed",
                "line 5: field \"id\" is empty",
                "line 6: field \"id\" \"病例6\" may contain only letters, digits, '_' and '-'",
            ]
        },
        {
            "option-count.jsonl",
            [
                "line 1: field \"options\" has 1 options; between 2 and 5 are allowed",
                "line 2: field \"options\" has 6 options; between 2 and 5 are allowed",
                "line 3: field \"options\" has 27 entries; at most 5 are allowed",
                "line 4: field \"options\" has 0 options; between 2 and 5 are allowed",
                "line 5: option \"B\" is empty",
            ]
        },
        {
            "option-keys.jsonl",
            [
                "line 1: option key \"a\" must be one capital letter A–Z", "line 2: option key \"AB\" must be one capital letter A–Z",
                "line 3: option key \"1\" must be one capital letter A–Z",
            ]
        },
        {
            "unknown-field.jsonl",
            [
                "line 1: unknown field \"Question\"; put extra data under \"metadata\"",
                "line 2: unknown field \"explanation\", \"source\"; put extra data under \"metadata\"",
            ]
        },
        {
            "duplicate-key.jsonl",
            ["line 1: not valid JSON (Duplicate property 'id'", "line 2: not valid JSON (Duplicate property 'A'"]
        },
        { "deep-metadata.jsonl", ["line 1: not valid JSON (The maximum configured depth of 16"] },
        {
            "invalid-utf8.jsonl",
            ["line 3: the text is not valid UTF-8; save the file as UTF-8", "line 5: the text is not valid UTF-8; save the file as UTF-8"]
        },
        { "empty.jsonl", ["line 1: the file is empty; send one JSON object per line"] },
        { "blank-lines.jsonl", ["line 1: the file has no items, only blank lines"] },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public async Task ParseAsync_BadFile_ReportsEveryBadLineAndNoItems(string file, string[] expected)
    {
        var result = await ParseFileAsync(file, Limits);

        var reported = result.Errors.Select(e => e.ToString()).ToList();
        Assert.Empty(result.Items);
        Assert.True(expected.Length == result.ErrorCount,
            $"{file}: expected {expected.Length} errors, got {result.ErrorCount}:\n{string.Join('\n', reported)}");
        Assert.Equal(result.ErrorCount, reported.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(reported[i].StartsWith(expected[i], StringComparison.Ordinal),
                $"{file}, error {i + 1}: expected \"{expected[i]}…\", got \"{reported[i]}\"");
        }
    }

    [Fact]
    public async Task ParseAsync_MoreItemsThanMaxItemsPerBatch_ReportsFirstItemOverTheLimit()
    {
        var limits = new ApiOptions { MaxItemsPerBatch = 3 };

        var result = await ParseFileAsync("items-over-limit.jsonl", limits);

        Assert.Empty(result.Items);
        Assert.Equal(1, result.ErrorCount);
        Assert.Equal("line 4: the batch has more than 3 items; split the file", result.Errors[0].ToString());
    }

    [Fact]
    public async Task ParseAsync_ExactlyMaxItemsPerBatch_Accepted()
    {
        var limits = new ApiOptions { MaxItemsPerBatch = 5 };

        var result = await ParseFileAsync("items-over-limit.jsonl", limits);

        Assert.Equal(0, result.ErrorCount);
        Assert.Equal(["q1", "q2", "q3", "q4", "q5"], result.Items.Select(i => i.Id));
    }

    [Fact]
    public async Task ParseAsync_MoreBadLinesThanListingCap_ListsCapAndCountsAll()
    {
        const int bad = IntakeParser.MaxListedErrors + 123;
        var lines = Enumerable.Range(1, bad).Select(i => $"{{\"id\":\"q{i}\"}}").Prepend(GoodLine("q0"));

        var result = await ParseAsync(string.Join('\n', lines), Limits);

        Assert.Equal(bad, result.ErrorCount);
        Assert.Equal(IntakeParser.MaxListedErrors, result.Errors.Count);
        Assert.Equal("line 2: field \"question\" is missing", result.Errors[0].ToString());
        Assert.Equal($"line {IntakeParser.MaxListedErrors + 1}: field \"question\" is missing", result.Errors[^1].ToString());
        Assert.Empty(result.Items);
    }

    [Fact]
    public async Task ParseAsync_InvalidUtf8AfterFirstBuffer_ReportsTheRightLine()
    {
        // Far beyond any read buffer, so the line number cannot come from where decoding of a block failed.
        byte[] bytes = [.. Enumerable.Range(1, 3000).SelectMany(i => Encoding.UTF8.GetBytes(GoodLine($"q{i}") + "\n")), .. "{\"id\":\"bad\",\"question\":\""u8, 0xFF, .. "\"}\n"u8];

        var result = await ParseAsync(bytes, Limits);

        Assert.Equal(1, result.ErrorCount);
        Assert.StartsWith("line 3001: the text is not valid UTF-8", result.Errors[0].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParseAsync_ByteOrderMarkAtStart_Accepted()
    {
        var result = await ParseFileAsync("bom.jsonl", Limits);

        Assert.Equal(0, result.ErrorCount);
        Assert.Equal(["q1", "q2"], result.Items.Select(i => i.Id));
    }

    [Fact]
    public async Task ParseAsync_CrlfLineEndings_AcceptedWithoutCarriageReturns()
    {
        var result = await ParseFileAsync("crlf.jsonl", Limits);

        Assert.Equal(0, result.ErrorCount);
        Assert.Equal(["q1", "q2", "q3"], result.Items.Select(i => i.Id));
        Assert.DoesNotContain(result.Items, i => i.Question.Contains('\r', StringComparison.Ordinal) || i.Answer.Contains('\r', StringComparison.Ordinal));
    }

    [Fact]
    public async Task ParseAsync_ChineseText_SurvivesByteForByte()
    {
        var line = File.ReadAllBytes(CorpusPath("chinese.jsonl"));

        var item = Assert.Single((await ParseFileAsync("chinese.jsonl", Limits)).Items);

        Assert.Equal("心内科", item.Department);
        Assert.Equal("患者，男，58岁，胸痛伴大汗2小时，心电图示V1–V4导联ST段抬高。最可能的诊断是？", item.Question);
        Assert.Equal("急性前壁心肌梗死", item.Options["B"]);
        Assert.True(line.AsSpan().IndexOf(Encoding.UTF8.GetBytes(item.Question)) > 0, "the question's UTF-8 bytes differ from the upload's");
        Assert.True(line.AsSpan().IndexOf(Encoding.UTF8.GetBytes(item.Options["D"])) > 0, "option D's UTF-8 bytes differ from the upload's");
    }

    [Fact]
    public async Task ParseAsync_MetadataObjectAndOptionArray_KeptWithLetteredOptionsAndTrimmedAnswer()
    {
        var item = Assert.Single((await ParseFileAsync("metadata.jsonl", Limits)).Items);

        Assert.Equal(IntakeParser.DefaultDepartment, item.Department);
        Assert.Equal("A", item.Answer);
        Assert.Equal(["A", "B", "C"], item.Options.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("Protamine sulfate", item.Options["A"]);
        Assert.NotNull(item.Metadata);
        Assert.Equal("USMLE-style", (string)item.Metadata["source"]!);
        Assert.Equal(2021, (int)item.Metadata["year"]!);
        Assert.Equal("antidotes", (string)item.Metadata["tags"]![1]!);
        Assert.True((bool)item.Metadata["extra"]!["reviewed"]!);
        Assert.True(item.Metadata["extra"]!.AsObject().ContainsKey("note"));
    }

    private static string GoodLine(string id) =>
        $"{{\"id\":\"{id}\",\"question\":\"Which is right?\",\"options\":{{\"A\":\"one\",\"B\":\"two\"}},\"answer\":\"A\"}}";

    private static string CorpusPath(string file) => Path.Combine(AppContext.BaseDirectory, "Intake", "Corpus", file);

    private static async Task<IntakeResult> ParseFileAsync(string file, ApiOptions limits)
    {
        await using var stream = File.OpenRead(CorpusPath(file));
        return await IntakeParser.ParseAsync(stream, limits);
    }

    private static Task<IntakeResult> ParseAsync(string text, ApiOptions limits) => ParseAsync(Encoding.UTF8.GetBytes(text), limits);

    private static async Task<IntakeResult> ParseAsync(byte[] bytes, ApiOptions limits)
    {
        using var stream = new MemoryStream(bytes);
        return await IntakeParser.ParseAsync(stream, limits);
    }
}
