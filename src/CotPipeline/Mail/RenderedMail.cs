namespace CotPipeline.Mail;

/// <summary>A rendered e-mail: subject, plain-text part and HTML part.</summary>
public sealed record RenderedMail(string Subject, string Text, string Html);
