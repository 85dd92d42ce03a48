using System.Net.Sockets;
using Azure.Data.Tables;
using CotPipeline.Models;
using CotPipeline.Storage;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace CotPipeline.Mail;

/// <summary>
/// Sends a review request once per assignment, however often it is called. The e-mail has a Message-ID derived from the
/// assignment; after the SMTP server accepts it, its row is added to <see cref="CotStore.MailSent"/> (e-mails sent at the same
/// moment share one transaction: <see cref="PartitionWrites"/>), and a call that finds that row (or the marker blob
/// <c>mail/{assignmentId}.sent</c> of an e-mail sent before those rows existed) sends nothing. A crash between acceptance and
/// that write makes the next call send one duplicate, with the same Message-ID so mail clients can drop it. An unreachable
/// server or a 4xx answer is retried with exponential backoff (<see cref="SmtpOptions.MaxAttempts"/>), then
/// <see cref="MailDeliveryException"/> is thrown with nothing marked sent, for the activity's retry policy to try again: a
/// request is delayed, never lost. SMTP sessions are kept open between e-mails (<see cref="SmtpConnections"/>).
/// </summary>
public sealed class ReviewMailer(CotStore store, IOptions<SmtpOptions> options, TimeProvider time, ILogger<ReviewMailer> logger) : IAsyncDisposable
{
    private const string MessageIdDomain = "cotfunctions";

    private readonly SmtpOptions _options = Checked(options.Value);
    private readonly SmtpConnections _connections = new(Checked(options.Value));
    private readonly PartitionWrites _sent = new(store.MailSent);

    /// <summary>SMTP sessions this mailer opened: one serves many e-mails (<see cref="SmtpConnections"/>).</summary>
    public int SessionsOpened => _connections.Opened;

    /// <summary>Closes the SMTP sessions kept open.</summary>
    public ValueTask DisposeAsync() => _connections.DisposeAsync();

    /// <summary>The Message-ID of an assignment's e-mail (without angle brackets): the same on every attempt.</summary>
    public static string MessageIdOf(AssignmentId assignment, MailKind kind = MailKind.Request, int sequence = 0)
    {
        var what = kind switch
        {
            MailKind.Request => "review",
            MailKind.Reminder => $"reminder{sequence}",
            _ => $"adjudication{sequence}",
        };
        return $"{what}.{Sanitize(assignment.BatchId)}.{Sanitize(assignment.ItemId)}.r{assignment.Round}.{Sanitize(assignment.ReviewerId)}@{MessageIdDomain}";
    }

    /// <summary>Sends the review request unless it was sent before; true when this call sent it.</summary>
    /// <exception cref="ArgumentException">The link is not http or https (nothing is sent).</exception>
    /// <exception cref="MailDeliveryException">The SMTP server did not accept the e-mail (nothing is marked sent).</exception>
    public Task<bool> SendAsync(ReviewRequestMail mail, CancellationToken ct = default) => SendAsync(mail, neverSent: false, ct);

    /// <summary>
    /// The same; with <paramref name="neverSent"/> the caller knows that no call could have sent this e-mail before (its link was
    /// made for it just now), so its marker is not looked for: only written after the e-mail is sent.
    /// </summary>
    public async Task<bool> SendAsync(ReviewRequestMail mail, bool neverSent, CancellationToken ct = default)
    {
        var rendered = ReviewMailRenderer.Render(mail);
        var assignment = mail.Assignment.ToString();
        var messageId = MessageIdOf(mail.Assignment, mail.Kind, mail.Sequence);
        var key = CotStore.MailSentKey(mail.Assignment, mail.Kind, mail.Sequence);

        await store.EnsureCreatedAsync();
        if (!neverSent && await SentBeforeAsync(mail, key, ct))
        {
            MailLog.AlreadySent(logger, assignment, messageId);
            return false;
        }

        var message = Compose(mail, rendered, messageId);
        var attempt = await DeliverAsync(message, assignment, ct);
        // False when a row is there already (a run of this step that died after writing it): it records the same e-mail.
        await _sent.AddAsync(new MailSentRow { PartitionKey = mail.Assignment.BatchId, RowKey = key, MessageId = messageId, SentAt = time.GetUtcNow() }, ct);
        MailLog.Sent(logger, assignment, messageId, attempt);
        return true;
    }

    private async Task<bool> SentBeforeAsync(ReviewRequestMail mail, string key, CancellationToken ct) =>
        (await store.MailSent.GetEntityIfExistsAsync<TableEntity>(mail.Assignment.BatchId, key, select: ["RowKey"], cancellationToken: ct)).HasValue
        || await store.Blob(CotStore.MailSentPath(mail.Assignment, mail.Kind, mail.Sequence)).ExistsAsync(ct);

    private MimeMessage Compose(ReviewRequestMail mail, RenderedMail rendered, string messageId)
    {
        var message = new MimeMessage
        {
            Subject = rendered.Subject,
            MessageId = messageId,
            Date = time.GetUtcNow(),
            Body = new BodyBuilder { TextBody = rendered.Text, HtmlBody = rendered.Html }.ToMessageBody(),
        };
        message.From.Add(MailboxAddress.Parse(_options.From!));
        message.To.Add(new MailboxAddress(mail.ReviewerName, mail.ReviewerEmail));
        return message;
    }

    /// <summary>Hands the message to the server, retrying transient failures; the number of the attempt that succeeded.</summary>
    private async Task<int> DeliverAsync(MimeMessage message, string assignment, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _connections.SendAsync(message, ct);
                return attempt;
            }
            catch (Exception e) when (!ct.IsCancellationRequested && Transient(e) is { } reason)
            {
                if (attempt >= _options.MaxAttempts)
                {
                    MailLog.GaveUp(logger, assignment, attempt, reason);
                    throw new MailDeliveryException(
                        $"The review request for assignment {assignment} was not accepted by the SMTP server {_options.Host}:{_options.Port} "
                        + $"after {attempt} attempts ({reason}); nothing was marked sent, so a retry of the activity sends it.", e);
                }

                var delay = _options.DelayBefore(attempt + 1);
                MailLog.Retrying(logger, attempt, _options.MaxAttempts, assignment, reason, (long)delay.TotalMilliseconds);
                await Task.Delay(delay, time, ct);
            }
            catch (SmtpCommandException e)
            {
                throw new MailDeliveryException(
                    $"The SMTP server {_options.Host}:{_options.Port} refused the review request for assignment {assignment} "
                    + $"with {(int)e.StatusCode} ({e.ErrorCode}); check the Smtp settings and the recipient.", e);
            }
            catch (AuthenticationException e)
            {
                throw new MailDeliveryException(
                    $"The SMTP server {_options.Host}:{_options.Port} rejected the credentials Smtp:User and Smtp:Password.", e);
            }
        }
    }

    /// <summary>Why a failure is worth another attempt (a short reason without addresses), or null when it is not.</summary>
    private static string? Transient(Exception e) => e switch
    {
        SocketException s => $"network: {s.SocketErrorCode}",
        SmtpCommandException c when (int)c.StatusCode is >= 400 and < 500 => $"server answered {(int)c.StatusCode}",
        SmtpProtocolException => "protocol error",
        ServiceNotConnectedException => "connection lost",
        IOException => "connection lost",
        TimeoutException or OperationCanceledException => "timed out",
        _ => null,
    };

    /// <summary>Settings checked here too, for a mailer built without the host's start-up validation.</summary>
    private static SmtpOptions Checked(SmtpOptions o)
    {
        var problems = o.Problems();
        return problems.Count == 0 ? o : throw new InvalidOperationException(string.Join(" ", problems));
    }

    /// <summary>Keeps the Message-ID a valid dot-atom even for an id that bypassed <see cref="Ids"/>.</summary>
    private static string Sanitize(string part) =>
        string.Concat(part.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_'));
}
