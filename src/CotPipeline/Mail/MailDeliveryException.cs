namespace CotPipeline.Mail;

/// <summary>A review request the SMTP server did not accept; nothing was marked sent, so a retry sends it.</summary>
public sealed class MailDeliveryException(string message, Exception? inner) : Exception(message, inner);
