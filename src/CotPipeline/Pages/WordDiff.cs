using System.Globalization;
using System.Text;

namespace CotPipeline.Pages;

/// <summary>Whether a piece of a diff is in both texts, only in the new one, or only in the old one.</summary>
public enum DiffKind
{
    Same,
    Added,
    Removed,
}

/// <summary>A run of text that is the same, added or removed.</summary>
public sealed record DiffPiece(DiffKind Kind, string Text);

/// <summary>
/// A word-level diff of two rationale texts: joining the <see cref="DiffKind.Same"/> and <see cref="DiffKind.Removed"/>
/// pieces gives the old text, joining the <see cref="DiffKind.Same"/> and <see cref="DiffKind.Added"/> pieces the new one.
/// </summary>
/// <remarks>
/// Tokens are runs of letters and digits, runs of white space, and single other characters. Chinese, Japanese and Korean
/// characters are one token each: those scripts do not separate words by spaces, so a whole sentence would otherwise be
/// one "word". The shortest edit script is found with Myers' O(ND) algorithm on tokens, after the common prefix and
/// suffix are set aside. The work is bounded: above <see cref="MaxTokens"/> tokens in either text the result is the
/// old text removed and the new text added; above <see cref="MaxEditDistance"/> token edits the same holds for the part
/// between the common prefix and suffix.
/// </remarks>
public static class WordDiff
{
    /// <summary>Above this many tokens in either text no diff is computed.</summary>
    public const int MaxTokens = 20_000;

    /// <summary>
    /// Above this many token edits the changed part is shown as removed and added in whole: a marked-up diff of that
    /// size reads no better than the two texts, and the search's memory grows with the square of the edits (4 MB here).
    /// </summary>
    public const int MaxEditDistance = 1_000;

    public static IReadOnlyList<DiffPiece> Compare(string before, string after)
    {
        var pieces = new PieceBuilder();
        if (before == after)
        {
            pieces.Add(DiffKind.Same, before);
            return pieces.Build();
        }

        var a = Tokenize(before, MaxTokens);
        var b = Tokenize(after, MaxTokens);
        if (a is null || b is null)
        {
            pieces.Add(DiffKind.Removed, before);
            pieces.Add(DiffKind.Added, after);
            return pieces.Build();
        }

        var (x, y) = Intern(a, b);
        var prefix = 0;
        while (prefix < x.Length && prefix < y.Length && x[prefix] == y[prefix])
        {
            prefix++;
        }

        var suffix = 0;
        while (suffix < x.Length - prefix && suffix < y.Length - prefix && x[^(suffix + 1)] == y[^(suffix + 1)])
        {
            suffix++;
        }

        pieces.AddTokens(DiffKind.Same, a, 0, prefix);
        var middleA = x.AsSpan(prefix, x.Length - prefix - suffix);
        var middleB = y.AsSpan(prefix, y.Length - prefix - suffix);
        if (ShortestEdit(middleA, middleB, MaxEditDistance) is { } edits)
        {
            int i = prefix, j = prefix;
            foreach (var kind in edits)
            {
                pieces.Add(kind, kind == DiffKind.Added ? b[j] : a[i]);
                i += kind == DiffKind.Added ? 0 : 1;
                j += kind == DiffKind.Removed ? 0 : 1;
            }
        }
        else
        {
            pieces.AddTokens(DiffKind.Removed, a, prefix, middleA.Length);
            pieces.AddTokens(DiffKind.Added, b, prefix, middleB.Length);
        }

        pieces.AddTokens(DiffKind.Same, a, a.Count - suffix, suffix);
        return JoinChangesAcrossSpaces(pieces.Build());
    }

    /// <summary>Unchanged runs up to this many characters between two changes read better as part of the change.</summary>
    public const int ShortRun = 2;

    /// <summary>
    /// A short unchanged run between two changes — a space, or one or two characters — becomes part of both: "the
    /// <del>quick brown</del><ins>slow red</ins> fox" reads better than four alternating changes around a kept space, and
    /// Chinese compared character by character no longer pairs up stray characters of unrelated sentences. Line breaks
    /// stay, so steps stay apart.
    /// </summary>
    private static List<DiffPiece> JoinChangesAcrossSpaces(List<DiffPiece> pieces)
    {
        var joined = new PieceBuilder();
        for (var i = 0; i < pieces.Count; i++)
        {
            // Neighbouring pieces differ in kind, so a same piece that is neither first nor last lies between changes.
            var (kind, text) = pieces[i];
            if (kind == DiffKind.Same && i > 0 && i < pieces.Count - 1 && !text.Contains('\n', StringComparison.Ordinal)
                && (text.All(char.IsWhiteSpace) || text.Trim().Length <= ShortRun))
            {
                joined.Add(DiffKind.Removed, text);
                joined.Add(DiffKind.Added, text);
            }
            else
            {
                joined.Add(kind, text);
            }
        }

        return joined.Build();
    }

    /// <summary>The tokens of <paramref name="text"/> in order (they join to the text), or null when there are more than <paramref name="max"/>.</summary>
    internal static List<string>? Tokenize(string text, int max = int.MaxValue)
    {
        var tokens = new List<string>();
        var start = 0;
        var runClass = TokenClass.Single;
        for (var i = 0; i < text.Length;)
        {
            // A lone surrogate decodes as one replacement character of length 1: the text is still cut at char positions.
            Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var length);
            var c = Classify(rune);
            if (i > start && (c == TokenClass.Single || c != runClass))
            {
                tokens.Add(text[start..i]);
                start = i;
                if (tokens.Count > max)
                {
                    return null;
                }
            }

            runClass = c;
            i += length;
        }

        if (text.Length > start)
        {
            tokens.Add(text[start..]);
        }

        return tokens.Count > max ? null : tokens;
    }

    private enum TokenClass
    {
        Single,
        Space,
        Word,
    }

    private static TokenClass Classify(Rune rune)
    {
        if (Rune.IsWhiteSpace(rune))
        {
            return TokenClass.Space;
        }

        if (IsWithoutSpaces(rune))
        {
            return TokenClass.Single;
        }

        // Combining marks stay with their letter (an "é" written as e + U+0301 is one word).
        return Rune.IsLetterOrDigit(rune) || Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark
            or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
            ? TokenClass.Word
            : TokenClass.Single;
    }

    /// <summary>Han ideographs, kana and Hangul: scripts written without spaces between words.</summary>
    private static bool IsWithoutSpaces(Rune rune) => rune.Value is
        (>= 0x1100 and <= 0x11FF) // Hangul Jamo
        or (>= 0x2E80 and <= 0x2FDF) // CJK and Kangxi radicals
        or (>= 0x3005 and <= 0x3007) // 々 〆 〇
        or (>= 0x3040 and <= 0x30FF) // Hiragana, Katakana
        or (>= 0x3130 and <= 0x318F) // Hangul compatibility Jamo
        or (>= 0x31F0 and <= 0x31FF) // Katakana phonetic extensions
        or (>= 0x3400 and <= 0x4DBF) // CJK extension A
        or (>= 0x4E00 and <= 0x9FFF) // CJK unified ideographs
        or (>= 0xA960 and <= 0xA97F) // Hangul Jamo extended A
        or (>= 0xAC00 and <= 0xD7FF) // Hangul syllables, Jamo extended B
        or (>= 0xF900 and <= 0xFAFF) // CJK compatibility ideographs
        or (>= 0xFF66 and <= 0xFFDC) // half-width Katakana and Hangul
        or (>= 0x20000 and <= 0x323AF); // CJK extensions B–H and compatibility supplement

    /// <summary>The tokens as numbers, equal tokens equal numbers, so the search compares integers.</summary>
    private static (int[] A, int[] B) Intern(List<string> a, List<string> b)
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        int Id(string token) => ids.TryGetValue(token, out var id) ? id : ids[token] = ids.Count;
        return (a.Select(Id).ToArray(), b.Select(Id).ToArray());
    }

    /// <summary>
    /// Myers' greedy search for a shortest edit script from <paramref name="a"/> to <paramref name="b"/>, one
    /// <see cref="DiffKind"/> per step (Same consumes a token of both), or null when it needs more than <paramref name="maxEdits"/> edits.
    /// </summary>
    /// <remarks>
    /// After d edits, <c>v[k]</c> is the furthest x reached on diagonal k = x − y. Each round's values are kept (the
    /// diagonals −d…d) so that the path can be walked back from (n, m).
    /// </remarks>
    internal static List<DiffKind>? ShortestEdit(ReadOnlySpan<int> a, ReadOnlySpan<int> b, int maxEdits)
    {
        int n = a.Length, m = b.Length;
        var max = Math.Min(n + m, maxEdits);
        var offset = max + 1;
        var v = new int[(2 * max) + 3];
        var rounds = new List<int[]>();
        for (var d = 0; d <= max; d++)
        {
            for (var k = -d; k <= d; k += 2)
            {
                var x = TakesInsertion(v, offset, k, d) ? v[offset + k + 1] : v[offset + k - 1] + 1;
                var y = x - k;
                while (x < n && y < m && a[x] == b[y])
                {
                    x++;
                    y++;
                }

                v[offset + k] = x;
                if (k == n - m && x >= n)
                {
                    return WalkBack(rounds, n, m, d);
                }
            }

            rounds.Add(v[(offset - d)..(offset + d + 1)]);
        }

        return null;
    }

    /// <summary>Whether diagonal k is reached from k + 1 by an insertion (else from k − 1 by a removal).</summary>
    private static bool TakesInsertion(int[] v, int offset, int k, int d) =>
        k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]);

    private static List<DiffKind> WalkBack(List<int[]> rounds, int n, int m, int edits)
    {
        var script = new List<DiffKind>(n + m);
        int x = n, y = m;
        for (var d = edits; d > 0; d--)
        {
            // rounds[d - 1] holds diagonals −(d − 1)…d − 1, so its offset is d − 1.
            var previous = rounds[d - 1];
            var k = x - y;
            var insertion = TakesInsertion(previous, d - 1, k, d);
            var fromK = insertion ? k + 1 : k - 1;
            var fromX = previous[d - 1 + fromK];
            var snakeStart = insertion ? fromX : fromX + 1;
            for (; x > snakeStart; x--, y--)
            {
                script.Add(DiffKind.Same);
            }

            script.Add(insertion ? DiffKind.Added : DiffKind.Removed);
            x = fromX;
            y = fromX - fromK;
        }

        for (; x > 0; x--)
        {
            script.Add(DiffKind.Same);
        }

        script.Reverse();
        return script;
    }

    /// <summary>
    /// Collects text into pieces. Between two same pieces, all removed text comes first and all added text second:
    /// a replaced phrase reads as one deletion and one insertion, and both texts still join back exactly.
    /// </summary>
    private sealed class PieceBuilder
    {
        private readonly List<DiffPiece> _pieces = [];
        private readonly StringBuilder _same = new();
        private readonly StringBuilder _removed = new();
        private readonly StringBuilder _added = new();

        public void Add(DiffKind kind, string text)
        {
            if (kind == DiffKind.Same)
            {
                FlushChanges();
            }
            else
            {
                Flush(DiffKind.Same, _same);
            }

            (kind switch { DiffKind.Same => _same, DiffKind.Removed => _removed, _ => _added }).Append(text);
        }

        public void AddTokens(DiffKind kind, List<string> tokens, int start, int count)
        {
            for (var i = start; i < start + count; i++)
            {
                Add(kind, tokens[i]);
            }
        }

        public List<DiffPiece> Build()
        {
            Flush(DiffKind.Same, _same);
            FlushChanges();
            return _pieces;
        }

        private void FlushChanges()
        {
            Flush(DiffKind.Removed, _removed);
            Flush(DiffKind.Added, _added);
        }

        private void Flush(DiffKind kind, StringBuilder text)
        {
            if (text.Length > 0)
            {
                _pieces.Add(new DiffPiece(kind, text.ToString()));
                text.Clear();
            }
        }
    }
}
