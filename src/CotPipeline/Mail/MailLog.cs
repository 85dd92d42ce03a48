using Microsoft.Extensions.Logging;

namespace CotPipeline.Mail;

/// <summary>Log messages of the review mailer (event ids 4000–4099). Never logs e-mail addresses, links or passwords.</summary>
internal static partial class MailLog
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Information,
        Message = "Review request for assignment {AssignmentId} sent as {MessageId} on attempt {Attempt}")]
    public static partial void Sent(ILogger logger, string assignmentId, string messageId, int attempt);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information,
        Message = "Review request for assignment {AssignmentId} was already sent as {MessageId}; not sending again")]
    public static partial void AlreadySent(ILogger logger, string assignmentId, string messageId);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning,
        Message = "SMTP attempt {Attempt} of {MaxAttempts} for assignment {AssignmentId} failed ({Reason}); retrying in {DelayMs} ms")]
    public static partial void Retrying(ILogger logger, int attempt, int maxAttempts, string assignmentId, string reason, long delayMs);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Error,
        Message = "Review request for assignment {AssignmentId} not sent after {Attempts} attempts ({Reason})")]
    public static partial void GaveUp(ILogger logger, string assignmentId, int attempts, string reason);
}
