using CotPipeline.IntegrationTests.Activities;
using CotPipeline.IntegrationTests.Infrastructure;
using CotPipeline.IntegrationTests.Llm;
using CotPipeline.Mail;
using CotPipeline.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace CotPipeline.IntegrationTests.Mail;

/// <summary>The review mailer against a real SMTP server (smtp4dev) and real storage (Azurite) for its sent markers.</summary>
public sealed class ReviewMailerTests(Smtp4devFixture smtp, AzuriteFixture azurite) : IClassFixture<Smtp4devFixture>, IClassFixture<AzuriteFixture>
{
    private const string Question = "患者，男，58岁，胸痛2小时。以下哪条动脉最可能闭塞？ Which artery is most likely occluded?";
    private static int _next;

    private readonly CotStore _store = new StoreScenario(azurite).Store;
    private readonly CapturedLogs _logs = new();

    /// <summary>A request to a recipient no other test uses, so smtp4dev's inbox can be counted per test.</summary>
    private static ReviewRequestMail Request()
    {
        var n = Interlocked.Increment(ref _next);
        return new ReviewRequestMail(
            new AssignmentId("b1", $"q{n}", 1, $"rev{n}"),
            "Dr. Wang 王医生",
            $"rev{n}-{Guid.NewGuid():N}@example.org",
            "cardiology",
            Question,
            $"https://cot.example.org/api/review/token-{n}",
            new DateTimeOffset(2030, 1, 2, 3, 4, 0, TimeSpan.Zero),
            ["medical correctness", "reasoning structure", "information sufficiency", "terminology clarity", "clinical value"]);
    }

    private ReviewMailer Mailer(int? port = null, int maxAttempts = 3) =>
        new(_store,
            Microsoft.Extensions.Options.Options.Create(new SmtpOptions
            {
                Host = "127.0.0.1",
                Port = port ?? smtp.SmtpPort,
                From = "CoT review <review@example.org>",
                Timeout = TimeSpan.FromSeconds(10),
                MaxAttempts = maxAttempts,
                RetryDelay = TimeSpan.FromMilliseconds(50),
            }),
            TimeProvider.System,
            LoggerFactory.Create(b => b.AddProvider(_logs)).CreateLogger<ReviewMailer>());

    private async Task<MimeMessage> OnlyMessageToAsync(string recipient)
    {
        var summary = Assert.Single(await smtp.MessagesToAsync(recipient, atLeast: 1));
        return await smtp.LoadAsync(summary.Id);
    }

    [Fact]
    public async Task SendAsync_CalledThreeTimes_OneEmailAndMarker()
    {
        var request = Request();
        var mailer = Mailer();

        var sent = new List<bool>();
        for (var i = 0; i < 3; i++)
        {
            sent.Add(await mailer.SendAsync(request));
        }

        Assert.Equal([true, false, false], sent);
        var message = await OnlyMessageToAsync(request.ReviewerEmail);
        Assert.Equal(ReviewMailer.MessageIdOf(request.Assignment), message.MessageId);
        var row = await SentRowAsync(request);
        Assert.Equal(message.MessageId, row?.MessageId);
        Assert.InRange(row!.SentAt, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow);
        Assert.False(await _store.Blob(CotStore.MailSentPath(request.Assignment)).ExistsAsync());
    }

    [Fact]
    public async Task SendAsync_SentBeforeTheMarkersWereRows_ItsMarkerBlobStillStopsASecondEmail()
    {
        var request = Request();
        await _store.EnsureCreatedAsync();
        await _store.CreateJsonAsync(CotStore.MailSentPath(request.Assignment),
            new MailSentMarker(ReviewMailer.MessageIdOf(request.Assignment), DateTimeOffset.UtcNow.AddDays(-1)));

        Assert.False(await Mailer().SendAsync(request));

        Assert.Empty(await smtp.MessagesToAsync(request.ReviewerEmail));
        Assert.Null(await SentRowAsync(request));
        Assert.Contains(_logs.Messages, m => m.Contains("already sent", StringComparison.Ordinal));
    }

    /// <summary>The MailSent row of <paramref name="request"/>'s e-mail, or null.</summary>
    private async Task<MailSentRow?> SentRowAsync(ReviewRequestMail request)
    {
        await _store.EnsureCreatedAsync();
        var row = await _store.MailSent.GetEntityIfExistsAsync<MailSentRow>(request.Assignment.BatchId, CotStore.MailSentKey(request.Assignment));
        return row.HasValue ? row.Value : null;
    }

    [Fact]
    public async Task SendAsync_ManyEmailsAtOnce_EachDeliveredOnceOverAFewKeptSessions()
    {
        var requests = Enumerable.Range(0, 24).Select(_ => Request()).ToList();
        await using var mailer = Mailer();

        // Three waves of eight senders: the later waves find the first wave's sessions kept open.
        foreach (var wave in requests.Chunk(8))
        {
            Assert.All(await Task.WhenAll(wave.Select(r => mailer.SendAsync(r))), Assert.True);
        }

        foreach (var request in requests)
        {
            Assert.Equal((await OnlyMessageToAsync(request.ReviewerEmail)).MessageId, (await SentRowAsync(request))?.MessageId);
        }

        Assert.InRange(mailer.SessionsOpened, 1, 8);
    }

    [Fact]
    public async Task SendAsync_OneAfterAnother_OneSmtpSessionAsTheServerSeesIt()
    {
        await using var sink = new SmtpSink();
        await using var mailer = Mailer(sink.Port);

        for (var i = 0; i < 5; i++)
        {
            Assert.True(await mailer.SendAsync(Request()));
        }

        Assert.Equal(5, await ReceivedAsync(sink, 5));
        Assert.Equal(1, sink.Sessions);
    }

    [Fact]
    public async Task SendAsync_ServerClosedTheKeptSession_SentOnceOnANewOneWithoutARetryWarning()
    {
        await using var sink = new SmtpSink(closeAfterEachMessage: true);
        await using var mailer = Mailer(sink.Port);

        for (var i = 0; i < 3; i++)
        {
            Assert.True(await mailer.SendAsync(Request()));
        }

        Assert.Equal(3, await ReceivedAsync(sink, 3));
        Assert.Equal(3, sink.Sessions);
        Assert.DoesNotContain(_logs.Messages, m => m.StartsWith("SMTP attempt", StringComparison.Ordinal));
    }

    /// <summary>The messages the sink has received once <paramref name="expected"/> have come (or 10 s passed), and none more.</summary>
    private static async Task<int> ReceivedAsync(SmtpSink sink, int expected)
    {
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = 0;
        try
        {
            while (received < expected && await sink.Received.WaitToReadAsync(wait.Token))
            {
                while (sink.Received.TryRead(out _))
                {
                    received++;
                }
            }

            await Task.Delay(200, wait.Token);
        }
        catch (OperationCanceledException)
        {
            // Fewer came: the count says so.
        }

        while (sink.Received.TryRead(out _))
        {
            received++;
        }

        return received;
    }

    [Fact]
    public async Task SendAsync_Received_SubjectPartsLinkDeadlineAndRubric()
    {
        var request = Request();

        await Mailer().SendAsync(request);

        var message = await OnlyMessageToAsync(request.ReviewerEmail);
        Assert.Contains("cardiology", message.Subject);
        Assert.Contains($"item {request.ItemId}", message.Subject);
        Assert.NotNull(message.TextBody);
        Assert.NotNull(message.HtmlBody);
        Assert.Contains(request.LinkUrl, message.TextBody);
        Assert.Contains($"<a href=\"{request.LinkUrl}\">", message.HtmlBody);
        foreach (var part in new[] { message.TextBody, message.HtmlBody })
        {
            Assert.Contains("2030-01-02 03:04 UTC", part);
            Assert.Contains("Rubric: medical correctness · reasoning structure · information sufficiency · terminology clarity · clinical value", part);
        }
    }

    [Fact]
    public async Task SendAsync_ChineseQuestion_SurvivesInBothParts()
    {
        var request = Request();

        await Mailer().SendAsync(request);

        var message = await OnlyMessageToAsync(request.ReviewerEmail);
        Assert.Contains(Question, message.TextBody);
        Assert.Contains(Question, message.HtmlBody);
        Assert.Equal("Dr. Wang 王医生", Assert.IsType<MailboxAddress>(Assert.Single(message.To)).Name);
    }

    [Fact]
    public async Task SendAsync_HostileValues_EncodedInHtml()
    {
        var request = Request() with
        {
            ReviewerName = "<script>alert(1)</script>",
            Department = "<img src=x onerror=alert(1)>",
            QuestionExcerpt = "<script>document.location='https://evil.example'</script>",
        };

        await Mailer().SendAsync(request);

        var html = (await OnlyMessageToAsync(request.ReviewerEmail)).HtmlBody;
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<img", html);
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", html);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
    }

    [Fact]
    public async Task SendAsync_JavascriptLink_RefusedNothingSentNoMarker()
    {
        var request = Request() with { LinkUrl = "javascript:alert(document.cookie)" };

        var e = await Assert.ThrowsAsync<ArgumentException>(() => Mailer().SendAsync(request));

        Assert.Contains("scheme \"javascript\"", e.Message);
        Assert.Empty(await smtp.MessagesToAsync(request.ReviewerEmail));
        Assert.Null(await SentRowAsync(request));
    }

    [Fact]
    public async Task SendAsync_SmtpDown_RetriedThenClearErrorNoMarker_ThenSentOnceWhenUp()
    {
        var request = Request();
        var closedPort = Ports.Free();

        var e = await Assert.ThrowsAsync<MailDeliveryException>(() => Mailer(closedPort, maxAttempts: 3).SendAsync(request));

        Assert.Contains($"SMTP server 127.0.0.1:{closedPort} after 3 attempts", e.Message);
        Assert.Contains("nothing was marked sent", e.Message);
        Assert.Equal(2, _logs.Messages.Count(m => m.StartsWith("SMTP attempt", StringComparison.Ordinal)));
        Assert.Null(await SentRowAsync(request));

        Assert.True(await Mailer().SendAsync(request));
        Assert.False(await Mailer().SendAsync(request));
        Assert.Single(await smtp.MessagesToAsync(request.ReviewerEmail, atLeast: 1));
    }

    [Fact]
    public async Task SendAsync_Logs_NoAddressesOrLinks()
    {
        var request = Request();

        await Mailer().SendAsync(request);
        await Mailer().SendAsync(request);

        Assert.NotEmpty(_logs.Messages);
        Assert.DoesNotContain(_logs.Messages, m => m.Contains('@', StringComparison.Ordinal) && !m.Contains("@cotfunctions", StringComparison.Ordinal));
        Assert.DoesNotContain(_logs.Messages, m => m.Contains("token-", StringComparison.Ordinal));
    }
}
