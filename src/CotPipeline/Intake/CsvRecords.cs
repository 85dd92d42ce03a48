using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace CotPipeline.Intake;

/// <summary>One record of a CSV text: the line it starts on and its fields, or why it could not be read.</summary>
public sealed record CsvRecord(int Line, IReadOnlyList<string> Fields, string? Error);

/// <summary>
/// A strict RFC 4180 reader: ',' between fields, CRLF or LF between records; a field with ',', '"' or a line break is
/// quoted, with each '"' inside doubled. Nothing is guessed: a record that breaks these rules comes back with the
/// reason, and reading goes on at the next line. Blank lines are skipped; line numbers count every line break, also
/// those inside quoted fields, so they match what an editor shows.
/// </summary>
public static class CsvRecords
{
    /// <summary>Decodes strict UTF-8 without a leading BOM; on invalid bytes, null and the line they are on.</summary>
    public static (string? Text, int BadLine) Decode(ReadOnlySpan<byte> utf8)
    {
        var chars = new char[utf8.Length];
        if (Utf8.ToUtf16(utf8, chars, out var read, out var written, replaceInvalidSequences: false) != OperationStatus.Done)
        {
            return (null, 1 + utf8[..read].Count((byte)'\n'));
        }

        var text = new string(chars, 0, written);
        return (text.StartsWith('\uFEFF') ? text[1..] : text, 0);
    }

    public static List<CsvRecord> Read(string text)
    {
        var records = new List<CsvRecord>();
        var reader = new Reader(text);
        while (!reader.AtEnd)
        {
            if (reader.RestOfLineIsBlank())
            {
                reader.SkipLine();
                continue;
            }

            records.Add(reader.ReadRecord());
        }

        return records;
    }

    private sealed class Reader(string text)
    {
        private readonly StringBuilder _field = new();
        private int _pos;
        private int _line = 1;

        public bool AtEnd => _pos >= text.Length;

        public bool RestOfLineIsBlank()
        {
            var end = text.IndexOf('\n', _pos);
            return text.AsSpan(_pos, (end < 0 ? text.Length : end) - _pos).IsWhiteSpace();
        }

        /// <summary>Moves past the next line feed (or to the end); what is skipped is not read.</summary>
        public void SkipLine()
        {
            var end = text.IndexOf('\n', _pos);
            _pos = end < 0 ? text.Length : end + 1;
            _line += end < 0 ? 0 : 1;
        }

        public CsvRecord ReadRecord()
        {
            var line = _line;
            var fields = new List<string>();
            while (true)
            {
                var error = ReadField(fields.Count + 1);
                if (error is null && _pos < text.Length && text[_pos] == '\r' && (_pos + 1 == text.Length || text[_pos + 1] != '\n'))
                {
                    error = "a carriage return (CR) without a line feed; save the file with CRLF or LF line endings";
                }

                if (error is not null)
                {
                    SkipLine();
                    return new CsvRecord(line, fields, error);
                }

                fields.Add(_field.ToString());
                if (AtEnd)
                {
                    return new CsvRecord(line, fields, null);
                }

                if (text[_pos] == ',')
                {
                    _pos++;
                    continue;
                }

                SkipLine();
                return new CsvRecord(line, fields, null);
            }
        }

        /// <summary>Reads one field into <see cref="_field"/>, stopping at the ',', CR or LF after it; the reason when it is malformed.</summary>
        private string? ReadField(int number)
        {
            _field.Clear();
            if (AtEnd || text[_pos] != '"')
            {
                for (; !AtEnd && text[_pos] is not (',' or '\r' or '\n'); _pos++)
                {
                    if (text[_pos] == '"')
                    {
                        return $"field {number} has a '\"' but does not start with one; quote the whole field and double each '\"' inside it";
                    }

                    _field.Append(text[_pos]);
                }

                return null;
            }

            var opened = _line;
            for (_pos++; ; _pos++)
            {
                if (AtEnd)
                {
                    return $"field {number} opens a quote on line {opened} that is never closed";
                }

                var c = text[_pos];
                if (c == '"')
                {
                    if (_pos + 1 < text.Length && text[_pos + 1] == '"')
                    {
                        _field.Append('"');
                        _pos++;
                        continue;
                    }

                    _pos++;
                    return AtEnd || text[_pos] is ',' or '\r' or '\n'
                        ? null
                        : $"field {number} has text after its closing quote; double each '\"' inside a quoted field";
                }

                _line += c == '\n' ? 1 : 0;
                _field.Append(c);
            }
        }
    }
}
