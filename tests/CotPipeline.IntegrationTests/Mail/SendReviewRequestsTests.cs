using CotPipeline.Activities;
using CotPipeline.IntegrationTests.Activities;
using CotPipeline.IntegrationTests.Infrastructure;
using CotPipeline.Links;
using CotPipeline.Mail;
using CotPipeline.Models;
using CotPipeline.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace CotPipeline.IntegrationTests.Mail;

/// <summary>The step that e-mails assignments their links, against real storage (Azurite) and a real SMTP server (smtp4dev).</summary>
public sealed partial class SendReviewRequestsTests(Smtp4devFixture smtp, AzuriteFixture azurite) : IClassFixture<Smtp4devFixture>, IClassFixture<AzuriteFixture>
{
    private static readonly DateTime Deadline = new(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private readonly ReviewLinkSigner _signer = new(Microsoft.Extensions.Options.Options.Create(new ReviewLinkOptions
    {
        SigningKey = Convert.ToBase64String(new byte[32].Select((_, i) => (byte)(i * 7 + 1)).ToArray()),
        PublicBaseUrl = "http://localhost:7071",
    }));

    /// <summary>A scenario with one item and two reviewers whose addresses no other test uses, both assigned in round 1.</summary>
    private async Task<(StoreScenario Scenario, SendReviewRequests Step, string[] Reviewers)> AssignedAsync()
    {
        var s = await new StoreScenario(azurite).WithItemAsync();
        var suffix = Guid.NewGuid().ToString("N")[..8];
        string[] reviewers = [$"ra-{suffix}", $"rb-{suffix}"];
        foreach (var r in reviewers)
        {
            await s.WithReviewerAsync(r);
        }

        await new AssignReviewers(s.Store, TimeProvider.System).RunAsync(new AssignReviewersInput("b1", "q1", 1, 1, 2, [], Deadline, false));
        var mailer = new ReviewMailer(s.Store, Microsoft.Extensions.Options.Options.Create(new SmtpOptions
        {
            Host = "127.0.0.1",
            Port = smtp.SmtpPort,
            From = "CoT review <review@example.org>",
            RetryDelay = TimeSpan.FromMilliseconds(50),
        }), TimeProvider.System, NullLogger<ReviewMailer>.Instance);
        return (s, new SendReviewRequests(s.Store, _signer, mailer, TimeProvider.System), reviewers);
    }

    private static SendReviewRequestsInput Input(string[] reviewers, MailKind kind = MailKind.Request, int sequence = 0, DateTime? deadline = null) =>
        new("b1", "q1", 1, reviewers, kind, sequence, deadline ?? Deadline);

    /// <summary>The e-mails to a reviewer, once <paramref name="expected"/> have come (see <see cref="Smtp4devFixture.MessagesToAsync"/>).</summary>
    private async Task<List<(string Subject, string Link)>> MailsToAsync(string reviewerId, int expected)
    {
        var mails = new List<(string, string)>();
        foreach (var summary in await smtp.MessagesToAsync($"{reviewerId}@example.org", expected))
        {
            var message = await smtp.LoadAsync(summary.Id);
            mails.Add((message.Subject ?? "", Smtp4devFixture.ReviewLinkIn(message)));
        }

        return mails;
    }

    [Fact]
    public async Task RunAsync_RetriedStep_OneEmailPerAssignmentWithAWorkingLink()
    {
        var (s, step, reviewers) = await AssignedAsync();

        Assert.Equal(2, await step.RunAsync(Input(reviewers)));
        Assert.Equal(0, await step.RunAsync(Input(reviewers)));

        foreach (var reviewer in reviewers)
        {
            var (subject, link) = Assert.Single(await MailsToAsync(reviewer, 1));
            Assert.Equal("Review request: cardiology · item q1 · round 1", subject);
            var verified = _signer.Verify(link[(link.LastIndexOf('/') + 1)..], DateTimeOffset.UtcNow);
            Assert.Equal(LinkStatus.Valid, verified.Status);
            var assignment = new AssignmentId("b1", "q1", 1, reviewer);
            Assert.Equal(assignment, verified.Link!.Assignment);
            var row = await s.Store.GetRowAsync<AssignmentRow>(s.Store.Assignments, reviewer, assignment.ToString());
            Assert.Equal(row!.LinkId, verified.Link.LinkId);
            Assert.True(verified.Link.ExpiresAt >= Deadline.AddDays(1), "a link outlives its deadline, so a late review can still be sent");
        }
    }

    [Fact]
    public async Task RunAsync_Reminder_SentOnceWithTheSameLinkAndTheNewDeadline()
    {
        var (s, step, reviewers) = await AssignedAsync();
        await step.RunAsync(Input(reviewers));
        var later = Deadline.AddHours(12);

        Assert.Equal(1, await step.RunAsync(Input([reviewers[0]], MailKind.Reminder, 1, later)));
        Assert.Equal(0, await step.RunAsync(Input([reviewers[0]], MailKind.Reminder, 1, later)));

        var mails = await MailsToAsync(reviewers[0], 2);
        Assert.Equal(2, mails.Count);
        var reminder = Assert.Single(mails, m => m.Subject.StartsWith("Reminder: review request", StringComparison.Ordinal));
        Assert.Equal(2, mails.Count(m => m.Link == reminder.Link));
        var row = await s.Store.GetRowAsync<AssignmentRow>(s.Store.Assignments, reviewers[0], new AssignmentId("b1", "q1", 1, reviewers[0]).ToString());
        Assert.Equal((1, new DateTimeOffset(later)), (row!.Reminders, row.Deadline));
        Assert.Single(await MailsToAsync(reviewers[1], 1));
    }

    [Fact]
    public async Task RunAsync_ReminderBeyondTheLinksExpiry_NewLinkAndTheOldOneIsNoLongerTheAssignments()
    {
        var (s, step, reviewers) = await AssignedAsync();
        await step.RunAsync(Input(reviewers));

        await step.RunAsync(Input([reviewers[0]], MailKind.Reminder, 1, Deadline.AddDays(30)));

        var links = (await MailsToAsync(reviewers[0], 2)).Select(m => _signer.Verify(m.Link[(m.Link.LastIndexOf('/') + 1)..], DateTimeOffset.UtcNow).Link!).ToList();
        Assert.Equal(2, links.Select(l => l.LinkId).Distinct().Count());
        var row = await s.Store.GetRowAsync<AssignmentRow>(s.Store.Assignments, reviewers[0], new AssignmentId("b1", "q1", 1, reviewers[0]).ToString());
        var renewed = Assert.Single(links, l => l.LinkId == row!.LinkId);
        Assert.True(renewed.ExpiresAt > row!.Deadline, "the renewed link outlives the new deadline");
    }

    [Fact]
    public async Task RunAsync_AssignmentNoLongerOpen_NothingSent()
    {
        var (s, step, reviewers) = await AssignedAsync();
        await step.RunAsync(Input(reviewers));
        await new CloseAssignments(s.Store).RunAsync(new CloseAssignmentsInput("b1", "q1", 1, [reviewers[0]]));

        Assert.Equal(1, await step.RunAsync(Input(reviewers, MailKind.Reminder, 1)));

        Assert.Single(await MailsToAsync(reviewers[0], 1));
        Assert.Equal(2, (await MailsToAsync(reviewers[1], 2)).Count);
        var row = await s.Store.GetRowAsync<AssignmentRow>(s.Store.Assignments, reviewers[0], new AssignmentId("b1", "q1", 1, reviewers[0]).ToString());
        Assert.Equal(AssignmentStatus.Reassigned, row!.Status);
    }

    [Fact]
    public async Task RunAsync_AnsweredElsewhereBeforeItsEmail_NothingSentToIt()
    {
        // Routing ran in this process (which keeps the rows it wrote); the assignment was answered through another host since.
        var (s, step, reviewers) = await AssignedAsync();
        var answered = new AssignmentId("b1", "q1", 1, reviewers[0]);
        var other = s.OtherProcessStore();
        var row = await other.GetRowAsync<AssignmentRow>(other.Assignments, reviewers[0], answered.ToString());
        await other.MarkSubmittedAsync(answered, row!);

        Assert.Equal(1, await step.RunAsync(Input(reviewers)));

        // The step would have e-mailed reviewers[0] first: once reviewers[1]'s e-mail is stored, one to reviewers[0] would be too.
        Assert.Single(await MailsToAsync(reviewers[1], 1));
        Assert.Empty(await MailsToAsync(reviewers[0], 0));
    }

    [Fact]
    public async Task RunAsync_ReminderAfterTheAddressChanged_GoesToTheAddressInTheRegistryNow()
    {
        // The request used the registry as routing read it; a reminder, days later, reads it again.
        var (s, step, reviewers) = await AssignedAsync();
        await step.RunAsync(Input(reviewers));
        var moved = $"{reviewers[0]}-moved@example.org";
        var row = await s.Store.GetRowAsync<ReviewerRow>(s.Store.Reviewers, ReviewerRow.Partition, reviewers[0]);
        row!.Email = moved;
        await s.Store.Reviewers.UpdateEntityAsync(row, row.ETag);

        Assert.Equal(1, await step.RunAsync(Input([reviewers[0]], MailKind.Reminder, 1)));

        Assert.Single(await MailsToAsync(reviewers[0], 1));
        Assert.Single(await smtp.MessagesToAsync(moved, atLeast: 1));
    }

    [Fact]
    public async Task RunAsync_RetriedInAnotherProcessAfterTheEmails_NoneSentAgain()
    {
        var (s, step, reviewers) = await AssignedAsync();
        Assert.Equal(2, await step.RunAsync(Input(reviewers)));

        var mailer = new ReviewMailer(s.OtherProcessStore(), Microsoft.Extensions.Options.Options.Create(new SmtpOptions
        {
            Host = "127.0.0.1",
            Port = smtp.SmtpPort,
            From = "CoT review <review@example.org>",
        }), TimeProvider.System, NullLogger<ReviewMailer>.Instance);
        var elsewhere = new SendReviewRequests(s.OtherProcessStore(), _signer, mailer, TimeProvider.System);

        Assert.Equal(0, await elsewhere.RunAsync(Input(reviewers)));
        Assert.Equal(0, await step.RunAsync(Input(reviewers)));
        Assert.All(reviewers, r => Assert.Single(MailsToAsync(r, 1).GetAwaiter().GetResult()));
    }

    [Fact]
    public async Task RunAsync_Adjudication_AdjudicatorGetsTheAdjudicationLinkOncePerRequest()
    {
        var (s, step, _) = await AssignedAsync();
        var adjudicator = $"adj-{Guid.NewGuid():N}"[..12];
        await s.WithReviewerAsync(adjudicator, adjudicator: true);
        var chosen = await new RequestAdjudication(s.Store, TimeProvider.System).RunAsync(new RequestAdjudicationInput("b1", "q1", 1, 5, Deadline), StoreScenario.NoClient);
        Assert.Equal(adjudicator, chosen);
        var input = new SendReviewRequestsInput("b1", "q1", RequestAdjudication.AdjudicationRound, [adjudicator], MailKind.Adjudication, 0, Deadline);

        await step.RunAsync(input);
        await step.RunAsync(input);
        await step.RunAsync(input with { Sequence = 1, Deadline = Deadline.AddDays(7) });

        var mails = await MailsToAsync(adjudicator, 2);
        Assert.Equal(2, mails.Count);
        Assert.All(mails, m => Assert.StartsWith("Adjudication request: cardiology · item q1", m.Subject, StringComparison.Ordinal));
        var link = _signer.Verify(mails[0].Link[(mails[0].Link.LastIndexOf('/') + 1)..], DateTimeOffset.UtcNow);
        Assert.Equal(new AssignmentId("b1", "q1", 0, adjudicator), link.Link!.Assignment);
    }
}
