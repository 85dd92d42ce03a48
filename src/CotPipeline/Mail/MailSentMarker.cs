namespace CotPipeline.Mail;

/// <summary>
/// An e-mail of an assignment was handed to the SMTP server: a row of <see cref="Storage.CotStore.MailSent"/> (<see cref="Storage.MailSentRow"/>),
/// or, if it was sent before those rows existed, the blob <c>mail/{assignmentId}.sent</c>.
/// </summary>
public sealed record MailSentMarker(string MessageId, DateTimeOffset SentAt);
