using CotPipeline.Models;
using CotPipeline.Storage;

namespace CotPipeline.Tests.Storage;

/// <summary>The names of the sent-mail markers, read back for an item's audit trail.</summary>
public sealed class MailSentPathTests
{
    public static TheoryData<MailKind, int, int> Kinds() => new()
    {
        { MailKind.Request, 0, 1 },
        { MailKind.Reminder, 1, 2 },
        { MailKind.Reminder, 12, 2 },
        { MailKind.Adjudication, 0, 0 },
        { MailKind.Adjudication, 3, 0 },
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void TryParseMailSentPath_EveryKindWritten_ReadsBackTheSame(MailKind kind, int sequence, int round)
    {
        var assignment = new AssignmentId("b-1", "q_7", round, "dr-chen");

        Assert.True(CotStore.TryParseMailSentPath(CotStore.MailSentPath(assignment, kind, sequence), out var id, out var k, out var n));
        Assert.Equal((assignment, kind, sequence), (id, k, n));
        Assert.StartsWith(CotStore.MailPrefix("b-1", "q_7"), CotStore.MailSentPath(assignment, kind, sequence), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void TryParseMailSentKey_EveryKindWritten_ReadsBackTheSameAndFallsInItsItemsKeyRange(MailKind kind, int sequence, int round)
    {
        var assignment = new AssignmentId("b-1", "q_7", round, "dr-chen");
        var key = CotStore.MailSentKey(assignment, kind, sequence);

        Assert.True(CotStore.TryParseMailSentKey(key, out var id, out var k, out var n));
        Assert.Equal((assignment, kind, sequence), (id, k, n));
        // The item API lists an item's rows by the key range [prefix, successor of prefix): q_7's, not q_70's.
        var prefix = CotStore.MailSentKeyPrefix("b-1", "q_7");
        Assert.StartsWith(prefix, key, StringComparison.Ordinal);
        Assert.False(CotStore.MailSentKey(assignment with { ItemId = "q_70" }, kind, sequence).StartsWith(prefix, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("b.q.1.r.reminder-x")]
    [InlineData("b.q.1")]
    [InlineData("")]
    [InlineData("../b.q.1.r")]
    public void TryParseMailSentKey_OtherKeys_False(string key)
    {
        Assert.False(CotStore.TryParseMailSentKey(key, out _, out _, out _));
    }

    [Theory]
    [InlineData("mail/b.q.1.r.sent.tmp")]
    [InlineData("mail/b.q.1.sent")]
    [InlineData("mail/b.q.1.r.reminder-x.sent")]
    [InlineData("mail/b.q.1.r.request-0.sent")]
    [InlineData("mail/b.q.1.r.reminder-01.sent")]
    [InlineData("items/b/q/v1.json")]
    public void TryParseMailSentPath_OtherNames_False(string path)
    {
        Assert.False(CotStore.TryParseMailSentPath(path, out _, out _, out _));
    }
}
