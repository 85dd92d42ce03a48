using System.Buffers.Text;
using CotPipeline.Links;
using CotPipeline.Storage;
using static CotPipeline.Tests.Links.ReviewLinkTestData;

namespace CotPipeline.Tests.Links;

public sealed class ReviewLinkSignerTests
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    private readonly ReviewLinkSigner _signer = Signer(KeyA);

    [Fact]
    public void Verify_TokenFromCreate_ValidWithSameLink()
    {
        var result = _signer.Verify(_signer.Create(Link), Now);

        Assert.Equal(LinkStatus.Valid, result.Status);
        Assert.True(result.IsValid);
        Assert.Equal(Link, result.Link);
        Assert.Equal("batch-2026_03.item-0042.2.dr_wang", result.Link.Assignment.ToString());
        Assert.Equal(("batch-2026_03", "item-0042", 2, "dr_wang"), (result.Link.BatchId, result.Link.ItemId, result.Link.Round, result.Link.ReviewerId));
    }

    [Fact]
    public void Create_Payload_MatchesDocumentedLayout()
    {
        var token = _signer.Create(Link);

        var expected = Token(Payload("batch-2026_03.item-0042.2.dr_wang", "Ln7-x_Q", Link.ExpiresAt.ToUnixTimeSeconds()), KeyA);
        Assert.Equal(expected, token);
        Assert.DoesNotContain('=', token);
    }

    [Fact]
    public void Create_LongestIds_FitsUnderMaxTokenLength()
    {
        var id = new string('x', Ids.MaxLength);
        var link = new ReviewLink(new AssignmentId(id, id, 10_000, id), DateTimeOffset.MaxValue, id);

        var token = _signer.Create(link);

        Assert.True(token.Length < ReviewLinkSigner.MaxTokenLength);
        Assert.Equal(LinkStatus.Valid, _signer.Verify(token, Now).Status);
    }

    [Theory]
    [InlineData("bad/batch", "item", "reviewer", "link")]
    [InlineData("batch", "", "reviewer", "link")]
    [InlineData("batch", "item", "dr.wang", "link")]
    [InlineData("batch", "item", "reviewer", "link.1")]
    [InlineData("batch", "item", "reviewer", "")]
    public void Create_IdsBreakingRules_Throws(string batch, string item, string reviewer, string linkId)
    {
        var link = new ReviewLink(new AssignmentId(batch, item, 1, reviewer), Now, linkId);

        Assert.Throws<ArgumentException>(() => _signer.Create(link));
    }

    [Fact]
    public void NewLink_Assignment_ExpiresAfterLifetimeWithFreshLinkId()
    {
        var assignment = new AssignmentId("b", "i", 0, "r");
        var now = Now.AddMilliseconds(750);

        var first = _signer.NewLink(assignment, now);
        var second = _signer.NewLink(assignment, now);

        Assert.Equal(Now.AddDays(14), first.ExpiresAt);
        Assert.True(Ids.IsValid(first.LinkId));
        Assert.NotEqual(first.LinkId, second.LinkId);
        Assert.Equal(LinkStatus.Valid, _signer.Verify(_signer.Create(first), now).Status);
    }

    [Fact]
    public void Verify_EveryCharacterReplaced_NeverValid()
    {
        var token = _signer.Create(Link);

        for (var i = 0; i < token.Length; i++)
        {
            foreach (var c in Alphabet.Append('.').Where(c => c != token[i]))
            {
                var changed = string.Concat(token.AsSpan(0, i), c.ToString(), token.AsSpan(i + 1));
                Assert.NotEqual(LinkStatus.Valid, _signer.Verify(changed, Now).Status);
            }
        }
    }

    [Fact]
    public void Verify_EveryDecodedByteFlipped_BadSignature()
    {
        var parts = _signer.Create(Link).Split('.');
        var payload = Base64Url.DecodeFromChars(parts[0]);
        var signature = Base64Url.DecodeFromChars(parts[1]);

        foreach (var (bytes, isPayload) in new[] { (payload, true), (signature, false) })
        {
            for (var i = 0; i < bytes.Length; i++)
            {
                foreach (var mask in new byte[] { 0x01, 0x80, 0xFF })
                {
                    var flipped = (byte[])bytes.Clone();
                    flipped[i] ^= mask;
                    var token = isPayload
                        ? $"{Base64Url.EncodeToString(flipped)}.{parts[1]}"
                        : $"{parts[0]}.{Base64Url.EncodeToString(flipped)}";
                    Assert.Equal(LinkStatus.BadSignature, _signer.Verify(token, Now).Status);
                }
            }
        }
    }

    [Fact]
    public void Verify_ExactlyAtExpiry_ExpiredWithLink()
    {
        var result = _signer.Verify(_signer.Create(Link), Link.ExpiresAt);

        Assert.Equal(LinkStatus.Expired, result.Status);
        Assert.False(result.IsValid);
        Assert.Equal(Link, result.Link);
    }

    [Fact]
    public void Verify_JustBeforeExpiry_Valid()
    {
        Assert.Equal(LinkStatus.Valid, _signer.Verify(_signer.Create(Link), Link.ExpiresAt.AddTicks(-1)).Status);
    }

    [Fact]
    public void Verify_ExpiredAndForged_BadSignatureNotExpired()
    {
        var token = Signer(KeyB).Create(Link);

        var result = _signer.Verify(token, Link.ExpiresAt.AddDays(1));

        Assert.Equal(LinkStatus.BadSignature, result.Status);
        Assert.Null(result.Link);
    }

    [Fact]
    public void Verify_SignedWithOtherKey_BadSignature()
    {
        var result = _signer.Verify(Signer(KeyB).Create(Link), Now);

        Assert.Equal(LinkStatus.BadSignature, result.Status);
        Assert.Null(result.Link);
    }

    [Fact]
    public void Verify_PreviousKeyDuringGracePeriod_Valid()
    {
        var rotated = Rotated(graceEnds: Now.AddDays(1));

        Assert.Equal(LinkStatus.Valid, rotated.Verify(Signer(KeyA).Create(Link), Now).Status);
        Assert.Equal(LinkStatus.Valid, rotated.Verify(Signer(KeyA).Create(Link), Now.AddDays(1).AddTicks(-1)).Status);
    }

    [Fact]
    public void Verify_PreviousKeyFromGraceEnd_BadSignature()
    {
        var rotated = Rotated(graceEnds: Now.AddDays(1));

        Assert.Equal(LinkStatus.BadSignature, rotated.Verify(Signer(KeyA).Create(Link), Now.AddDays(1)).Status);
        Assert.Equal(LinkStatus.BadSignature, rotated.Verify(Signer(KeyA).Create(Link), Now.AddDays(2)).Status);
    }

    [Fact]
    public void Verify_NewKeyDuringAndAfterRotation_Valid()
    {
        var rotated = Rotated(graceEnds: Now.AddDays(1));
        var token = rotated.Create(Link);

        Assert.Equal(token, Signer(KeyB).Create(Link));
        Assert.Equal(LinkStatus.Valid, rotated.Verify(token, Now).Status);
        Assert.Equal(LinkStatus.Valid, rotated.Verify(token, Now.AddDays(2)).Status);
    }

    public static TheoryData<string?> MalformedTokens()
    {
        var valid = Signer(KeyA).Create(Link);
        var dot = valid.IndexOf('.', StringComparison.Ordinal);
        return new TheoryData<string?>
        {
            null,
            "",
            "a",
            ".",
            "a.b.c",
            "abc.",
            ".abc",
            "!!!!.????",
            "YWJj.ZGVm=",
            new string('A', 10 * 1024),
            new string('A', 5000) + "." + new string('A', 5000),
            "审查链接.令牌",
            string.Concat(valid.AsSpan(0, 3), "审", valid.AsSpan(4)),
            valid + ".",
            valid + ".x",
            "." + valid,
            valid + "=",
            valid[..^1],
            valid[..(dot + 1)],
            valid[..dot],
            valid.Insert(dot + 3, " "),
            valid.Insert(5, "\n"),
            valid.Insert(5, "+"),
            valid + "\0",
            valid.Replace('.', '\u2024'),
        };
    }

    [Theory]
    [MemberData(nameof(MalformedTokens))]
    public void Verify_MalformedToken_MalformedWithoutLink(string? token)
    {
        var result = _signer.Verify(token, Now);

        Assert.Equal(LinkStatus.Malformed, result.Status);
        Assert.Null(result.Link);
    }

    [Fact]
    public void Verify_PayloadTruncated_NeverValid()
    {
        var parts = _signer.Create(Link).Split('.');

        for (var length = 1; length < parts[0].Length; length++)
        {
            Assert.NotEqual(LinkStatus.Valid, _signer.Verify($"{parts[0][..length]}.{parts[1]}", Now).Status);
        }
    }

    public static TheoryData<byte[]> CraftedPayloads()
    {
        var expiry = Link.ExpiresAt.ToUnixTimeSeconds();
        var good = Payload("b.i.1.r", "link", expiry);
        return new TheoryData<byte[]>
        {
            Payload("b/x.i.1.r", "link", expiry),
            Payload("b..1.r", "link", expiry),
            Payload("b.i.-1.r", "link", expiry),
            Payload("b.i.10001.r", "link", expiry),
            Payload("b.i.+1.r", "link", expiry),
            Payload("b.i.1", "link", expiry),
            Payload("b.i.1.r.x", "link", expiry),
            Payload("b.审.1.r", "link", expiry),
            Payload($"{new string('b', 65)}.i.1.r", "link", expiry),
            Payload("b.i.1.r", "link.2", expiry),
            Payload("b.i.1.r", new string('l', 65), expiry),
            Payload("b.i.1.r", "", expiry),
            Payload("b.i.1.r", "link", long.MaxValue),
            Payload("b.i.1.r", "link", long.MinValue),
            Payload("b.i.1.r", "link", expiry, version: 2),
            Payload("b.i.1.r", "link", expiry, version: 0),
            good.Append((byte)0).ToArray(),
            good[..^1],
            good[..9],
            new byte[] { 1 },
            Array.Empty<byte>(),
        };
    }

    [Theory]
    [MemberData(nameof(CraftedPayloads))]
    public void Verify_SignedPayloadBreakingRules_Malformed(byte[] payload)
    {
        var result = _signer.Verify(Token(payload, KeyA), Now);

        Assert.Equal(LinkStatus.Malformed, result.Status);
        Assert.Null(result.Link);
    }

    [Fact]
    public void Verify_HandBuiltPayload_Valid()
    {
        var result = _signer.Verify(Token(Payload("b.i.0.r", "link", Link.ExpiresAt.ToUnixTimeSeconds()), KeyA), Now);

        Assert.Equal(LinkStatus.Valid, result.Status);
        Assert.Equal(new ReviewLink(new AssignmentId("b", "i", 0, "r"), Link.ExpiresAt, "link"), result.Link);
    }

    [Theory]
    [InlineData("https://review.example.org")]
    [InlineData("https://review.example.org/")]
    [InlineData("https://review.example.org//")]
    public void Url_BaseWithOrWithoutSlash_SingleSlashBeforeApi(string baseUrl)
    {
        var signer = Signer(OptionsWith(KeyA, baseUrl));

        Assert.Equal($"https://review.example.org/api/review/{signer.Create(Link)}", signer.Url(Link));
    }

    [Fact]
    public void Url_BaseWithPath_KeepsPath()
    {
        var signer = Signer(OptionsWith(KeyA, "http://localhost:7071/cot/"));

        var url = signer.Url(Link);

        Assert.Equal($"http://localhost:7071/cot/api/review/{signer.Create(Link)}", url);
        Assert.Equal(LinkStatus.Valid, signer.Verify(url[(url.LastIndexOf('/') + 1)..], Now).Status);
    }

    private static ReviewLinkSigner Rotated(DateTimeOffset graceEnds)
    {
        var options = OptionsWith(KeyB);
        options.PreviousSigningKey = Convert.ToBase64String(KeyA);
        options.PreviousKeyValidUntil = graceEnds;
        return Signer(options);
    }
}
