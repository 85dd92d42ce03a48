namespace CotPipeline.Mail;

/// <summary>The blob <c>mail/{assignmentId}.sent</c>: the review request of that assignment was handed to the SMTP server.</summary>
public sealed record MailSentMarker(string MessageId, DateTimeOffset SentAt);
