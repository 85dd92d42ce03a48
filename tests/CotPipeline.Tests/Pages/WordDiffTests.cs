using System.Text;
using CotPipeline.Pages;

namespace CotPipeline.Tests.Pages;

public sealed class WordDiffTests
{
    [Fact]
    public void Compare_IdenticalTexts_OneSamePiece()
    {
        var pieces = WordDiff.Compare("1. Aspirin inhibits COX-1.", "1. Aspirin inhibits COX-1.");

        Assert.Equal([new DiffPiece(DiffKind.Same, "1. Aspirin inhibits COX-1.")], pieces);
    }

    [Fact]
    public void Compare_BothEmpty_NoPieces()
    {
        Assert.Empty(WordDiff.Compare("", ""));
    }

    [Fact]
    public void Compare_WordInserted_OnlyThatWordAdded()
    {
        var pieces = WordDiff.Compare("the left anterior artery", "the left anterior descending artery");

        Assert.Equal(
            [new(DiffKind.Same, "the left anterior "), new(DiffKind.Added, "descending "), new(DiffKind.Same, "artery")],
            pieces);
    }

    [Fact]
    public void Compare_WordDeleted_OnlyThatWordRemoved()
    {
        var pieces = WordDiff.Compare("rule out acute coronary syndrome", "rule out coronary syndrome");

        Assert.Equal(
            [new(DiffKind.Same, "rule out "), new(DiffKind.Removed, "acute "), new(DiffKind.Same, "coronary syndrome")],
            pieces);
    }

    [Fact]
    public void Compare_WordReplaced_RemovedThenAdded()
    {
        var pieces = WordDiff.Compare("Give 300 mg aspirin now.", "Give 325 mg aspirin now.");

        Assert.Equal(
            [new(DiffKind.Same, "Give "), new(DiffKind.Removed, "300"), new(DiffKind.Added, "325"), new(DiffKind.Same, " mg aspirin now.")],
            pieces);
    }

    [Fact]
    public void Compare_PhraseReplaced_OneRemovedAndOneAddedPiece()
    {
        var pieces = WordDiff.Compare("A then b c d then E", "A then x y z then E");

        Assert.Equal(
            [new(DiffKind.Same, "A then "), new(DiffKind.Removed, "b c d"), new(DiffKind.Added, "x y z"), new(DiffKind.Same, " then E")],
            pieces);
    }

    [Fact]
    public void Compare_ChineseCharacterChanged_OnlyThatCharacter()
    {
        var pieces = WordDiff.Compare("患者出现胸痛，心电图示ST段抬高。", "患者出现腹痛，心电图示ST段压低。");

        Assert.Equal(
            [
                new(DiffKind.Same, "患者出现"), new(DiffKind.Removed, "胸"), new(DiffKind.Added, "腹"),
                new(DiffKind.Same, "痛，心电图示ST段"), new(DiffKind.Removed, "抬高"), new(DiffKind.Added, "压低"), new(DiffKind.Same, "。"),
            ],
            pieces);
    }

    [Fact]
    public void Compare_UnrelatedSentencesSharingStrayCharacters_OneReplacementNotFragments()
    {
        var pieces = WordDiff.Compare("患者出现胸痛。", "考虑急性心肌梗死，出现胸痛。");

        // The common ending is kept; the new beginning is one replacement.
        Assert.Equal([new(DiffKind.Removed, "患者"), new(DiffKind.Added, "考虑急性心肌梗死，"), new(DiffKind.Same, "出现胸痛。")], pieces);
        // Unrelated sentences share stray characters ("是", "答案"): no unchanged run that short splits the change.
        var mixed = WordDiff.Compare("A是正确答案因为心电图", "B是错误答案由于超声");
        Assert.DoesNotContain(mixed, p => p.Kind == DiffKind.Same && p.Text.Length <= WordDiff.ShortRun);
    }

    [Theory]
    [InlineData("心电图", new[] { "心", "电", "图" })]
    [InlineData("ST段抬高", new[] { "ST", "段", "抬", "高" })]
    [InlineData("カテーテル治療", new[] { "カ", "テ", "ー", "テ", "ル", "治", "療" })]
    [InlineData("심근경색", new[] { "심", "근", "경", "색" })]
    [InlineData("COX-1,  ok", new[] { "COX", "-", "1", ",", "  ", "ok" })]
    [InlineData("cafe\u0301 𠀀x", new[] { "cafe\u0301", " ", "𠀀", "x" })]
    public void Tokenize_MixedScripts_WordsSpacesAndSingleCharacters(string text, string[] expected)
    {
        Assert.Equal(expected, WordDiff.Tokenize(text));
    }

    [Fact]
    public void Compare_RandomTexts_PiecesRebuildBothTexts()
    {
        // Small alphabet so texts share many tokens: Latin words, spaces, line breaks, punctuation, Chinese,
        // a character outside the BMP, a combining accent and a lone surrogate.
        string[] alphabet = ["a", "b", "ab", " ", "\n", ",", "。", "心", "电", "图", "𠀀", "e\u0301", "\uD800", "-", "1"];
        var random = new Random(20_240_611);
        for (var run = 0; run < 2_000; run++)
        {
            var before = RandomText(random, alphabet);
            var after = random.Next(3) == 0 ? Mutate(random, before, alphabet) : RandomText(random, alphabet);

            var pieces = WordDiff.Compare(before, after);

            Assert.Equal(before, Join(pieces, DiffKind.Removed));
            Assert.Equal(after, Join(pieces, DiffKind.Added));
            Assert.All(pieces, p => Assert.NotEmpty(p.Text));
            Assert.All(pieces.Zip(pieces.Skip(1)), pair => Assert.NotEqual(pair.First.Kind, pair.Second.Kind));
        }
    }

    [Fact]
    public void ShortestEdit_RandomSequences_ValidScriptWithFewestEdits()
    {
        var random = new Random(7);
        for (var run = 0; run < 2_000; run++)
        {
            var a = Enumerable.Range(0, random.Next(0, 25)).Select(_ => random.Next(4)).ToArray();
            var b = Enumerable.Range(0, random.Next(0, 25)).Select(_ => random.Next(4)).ToArray();

            var script = WordDiff.ShortestEdit(a, b, int.MaxValue)!;

            int i = 0, j = 0;
            foreach (var step in script)
            {
                if (step == DiffKind.Same)
                {
                    Assert.Equal(a[i], b[j]);
                }

                i += step == DiffKind.Added ? 0 : 1;
                j += step == DiffKind.Removed ? 0 : 1;
            }

            Assert.Equal((a.Length, b.Length), (i, j));
            Assert.Equal(EditDistance(a, b), script.Count(s => s != DiffKind.Same));
        }
    }

    [Fact]
    public void ShortestEdit_MoreEditsThanAllowed_Null()
    {
        Assert.Null(WordDiff.ShortestEdit(new[] { 1, 2, 3 }, new[] { 4, 5, 6 }, 5));
        Assert.NotNull(WordDiff.ShortestEdit(new[] { 1, 2, 3 }, new[] { 4, 5, 6 }, 6));
    }

    [Fact]
    public void Compare_MoreTokensThanTheLimit_AllRemovedThenAllAdded()
    {
        var before = string.Concat(Enumerable.Repeat("心", WordDiff.MaxTokens + 1));
        var after = before + "痛";

        var pieces = WordDiff.Compare(before, after);

        Assert.Equal([new DiffPiece(DiffKind.Removed, before), new DiffPiece(DiffKind.Added, after)], pieces);
    }

    [Fact]
    public void Compare_MoreEditsThanTheLimit_CommonEndsKeptMiddleRemovedThenAdded()
    {
        // A real diff would keep "KEEP" (and the spaces); past the limit the whole middle is replaced.
        string Words(char letter) => string.Join(' ', Enumerable.Range(0, WordDiff.MaxEditDistance / 2).Select(i => $"{letter}{i}"));
        var middleBefore = $"{Words('a')} KEEP {Words('a')}";
        var middleAfter = $"{Words('b')} KEEP {Words('b')}";

        var pieces = WordDiff.Compare($"Start. {middleBefore}. End", $"Start. {middleAfter}. End");

        Assert.Equal(
            [new(DiffKind.Same, "Start. "), new(DiffKind.Removed, middleBefore), new(DiffKind.Added, middleAfter), new(DiffKind.Same, ". End")],
            pieces);
    }

    private static string Join(IEnumerable<DiffPiece> pieces, DiffKind changed) =>
        string.Concat(pieces.Where(p => p.Kind == DiffKind.Same || p.Kind == changed).Select(p => p.Text));

    private static string RandomText(Random random, string[] alphabet)
    {
        var text = new StringBuilder();
        for (var i = random.Next(0, 30); i > 0; i--)
        {
            text.Append(alphabet[random.Next(alphabet.Length)]);
        }

        return text.ToString();
    }

    /// <summary>A few insertions and deletions of alphabet strings: texts that share most of their tokens.</summary>
    private static string Mutate(Random random, string text, string[] alphabet)
    {
        var result = new StringBuilder(text);
        for (var i = random.Next(1, 4); i > 0; i--)
        {
            var at = random.Next(result.Length + 1);
            if (random.Next(2) == 0 && at < result.Length)
            {
                result.Remove(at, 1);
            }
            else
            {
                result.Insert(at, alphabet[random.Next(alphabet.Length)]);
            }
        }

        return result.ToString();
    }

    /// <summary>Fewest insertions and deletions, by the textbook longest-common-subsequence table.</summary>
    private static int EditDistance(int[] a, int[] b)
    {
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                lcs[i, j] = a[i - 1] == b[j - 1] ? lcs[i - 1, j - 1] + 1 : Math.Max(lcs[i - 1, j], lcs[i, j - 1]);
            }
        }

        return a.Length + b.Length - (2 * lcs[a.Length, b.Length]);
    }
}
