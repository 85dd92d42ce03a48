using System.Text;
using CotPipeline.Intake;

namespace CotPipeline.Tests.Intake;

public sealed class CsvRecordsTests
{
    [Fact]
    public void Read_QuotedFields_CommasQuotesAndEmptyFieldsKept()
    {
        var records = CsvRecords.Read("a,\"b, c\",\"say \"\"hi\"\"\",,\"\"\n");

        var record = Assert.Single(records);
        Assert.Null(record.Error);
        Assert.Equal(["a", "b, c", "say \"hi\"", "", ""], record.Fields);
    }

    [Fact]
    public void Read_EmbeddedLineBreaks_KeptInTheFieldAndLinesCountedAsAnEditorShows()
    {
        var records = CsvRecords.Read("h1,h2\r\n\"one\r\ntwo\",x\r\n\"three\nfour\nfive\",y\r\nlast,z");

        Assert.Equal([1, 2, 4, 7], records.Select(r => r.Line));
        Assert.Equal("one\r\ntwo", records[1].Fields[0]);
        Assert.Equal("three\nfour\nfive", records[2].Fields[0]);
        Assert.Equal(["last", "z"], records[3].Fields);
        Assert.All(records, r => Assert.Null(r.Error));
    }

    [Fact]
    public void Read_CrlfLfAndBlankLines_SameRecordsBlankLinesSkipped()
    {
        var crlf = CsvRecords.Read("a,b\r\n\r\nc,d\r\n  \r\ne,f\r\n");
        var lf = CsvRecords.Read("a,b\n\nc,d\n  \ne,f\n");

        Assert.Equal(lf.Select(r => string.Join('|', r.Fields)), crlf.Select(r => string.Join('|', r.Fields)));
        Assert.Equal([1, 3, 5], crlf.Select(r => r.Line));
        Assert.Equal(["a|b", "c|d", "e|f"], crlf.Select(r => string.Join('|', r.Fields)));
    }

    [Fact]
    public void Read_SpacesAroundFields_KeptAsWritten()
    {
        var record = Assert.Single(CsvRecords.Read(" a , b "));

        Assert.Equal([" a ", " b "], record.Fields);
    }

    [Theory]
    [InlineData("a,b\"c,d\nok,ok\n", "field 2 has a '\"' but does not start with one; quote the whole field and double each '\"' inside it")]
    [InlineData("a,\"b\"c,d\nok,ok\n", "field 2 has text after its closing quote; double each '\"' inside a quoted field")]
    [InlineData("a,\"b\" ,d\nok,ok\n", "field 2 has text after its closing quote; double each '\"' inside a quoted field")]
    [InlineData("a,b\rc,d\nok,ok\n", "a carriage return (CR) without a line feed; save the file with CRLF or LF line endings")]
    public void Read_MalformedRecord_ReasonOnItsLineAndReadingGoesOn(string text, string expected)
    {
        var records = CsvRecords.Read(text);

        Assert.Equal(2, records.Count);
        Assert.Equal((1, expected), (records[0].Line, records[0].Error));
        Assert.Equal((2, null), (records[1].Line, records[1].Error));
        Assert.Equal(["ok", "ok"], records[1].Fields);
    }

    [Fact]
    public void Read_QuoteNeverClosed_ReasonNamesTheLineItOpensOn()
    {
        var records = CsvRecords.Read("h1,h2\nok,ok\nx,\"open\nstill open\nand more");

        Assert.Equal(3, records.Count);
        Assert.Equal(3, records[2].Line);
        Assert.Equal("field 2 opens a quote on line 3 that is never closed", records[2].Error);
    }

    [Fact]
    public void Read_EmptyOrBlankText_NoRecords()
    {
        Assert.Empty(CsvRecords.Read(""));
        Assert.Empty(CsvRecords.Read("\r\n\n   \n"));
    }

    [Fact]
    public void Decode_Bom_RemovedAndChineseKept()
    {
        var (text, _) = CsvRecords.Decode([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("id,name\nr1,张伟")]);

        Assert.Equal("id,name\nr1,张伟", text);
    }

    [Fact]
    public void Decode_InvalidUtf8_NullAndTheLineOfTheBadBytes()
    {
        var (text, line) = CsvRecords.Decode([.. "id,name\nr1,ok\nr2,"u8, 0xC3, 0x28, .. "\n"u8]);

        Assert.Null(text);
        Assert.Equal(3, line);
    }

    [Fact]
    public void Read_HostileText_EveryCharacterKept()
    {
        const string hostile = "<script>alert(1)</script> =cmd|' /C calc'!A0 \u202Egnp.exe \u0000 '; DROP TABLE x;-- 患者";
        var quoted = "\"" + hostile.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

        var record = Assert.Single(CsvRecords.Read($"{quoted},plain\n"));

        Assert.Null(record.Error);
        Assert.Equal([hostile, "plain"], record.Fields);
    }
}
