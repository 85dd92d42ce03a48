using System.Globalization;
using System.Text;
using CotPipeline.Pages;

namespace CotPipeline.Mail;

/// <summary>Renders a <see cref="ReviewRequestMail"/> as subject, plain text and HTML. Every value is untrusted: HTML-encoded, and the link must be http or https.</summary>
public static class ReviewMailRenderer
{
    /// <summary>The deadline as reviewers read it, in UTC so it is the same for every reader.</summary>
    public static string FormatDeadline(DateTimeOffset deadline) =>
        deadline.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>The rubric in one line, criteria in rubric order.</summary>
    public static string RubricLine(IReadOnlyList<string> criteria) => "Rubric: " + string.Join(" · ", criteria.Select(OneLine));

    /// <summary>The link as an absolute http or https URI.</summary>
    /// <exception cref="ArgumentException">Any other URL (<c>javascript:</c>, <c>data:</c>, relative): it is never put into an e-mail.</exception>
    public static Uri CheckedLink(string linkUrl)
    {
        // The message names the scheme only: the link itself carries the reviewer's token.
        if (!Uri.TryCreate(linkUrl, UriKind.Absolute, out var uri))
        {
            throw new ArgumentException("The review link is not an absolute URL; only http and https links are sent.", nameof(linkUrl));
        }

        return uri.Scheme is "http" or "https"
            ? uri
            : throw new ArgumentException($"The review link has scheme \"{uri.Scheme}\"; only http and https links are sent.", nameof(linkUrl));
    }

    public static RenderedMail Render(ReviewRequestMail mail)
    {
        var link = CheckedLink(mail.LinkUrl).AbsoluteUri;
        var subject = $"Review request: {OneLine(mail.Department)} · item {OneLine(mail.ItemId)} · round {mail.Round}";
        var deadline = FormatDeadline(mail.Deadline);
        var rubric = RubricLine(mail.RubricCriteria);

        var text = new StringBuilder()
            .Append("Dear ").Append(OneLine(mail.ReviewerName)).Append(",\n\n")
            .Append("please review the rationale of item ").Append(OneLine(mail.ItemId)).Append(" (").Append(OneLine(mail.Department))
            .Append("), round ").Append(mail.Round).Append(".\n\n")
            .Append("Question: ").Append(mail.QuestionExcerpt).Append("\n\n")
            .Append("Your personal review link (do not forward it):\n").Append(link).Append("\n\n")
            .Append("Deadline: ").Append(deadline).Append('\n')
            .Append(rubric).Append('\n')
            .ToString();

        var html = new StringBuilder()
            .Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(Html.Encode(subject)).Append("</title></head><body>\n")
            .Append("<p>Dear ").Append(Html.Encode(OneLine(mail.ReviewerName))).Append(",</p>\n")
            .Append("<p>please review the rationale of item <b>").Append(Html.Encode(OneLine(mail.ItemId))).Append("</b> (").Append(Html.Encode(OneLine(mail.Department)))
            .Append("), round ").Append(mail.Round).Append(".</p>\n")
            .Append("<blockquote style=\"white-space: pre-wrap\">").Append(Html.Encode(mail.QuestionExcerpt)).Append("</blockquote>\n")
            .Append("<p><a href=\"").Append(Html.Encode(link)).Append("\">Open your personal review page</a> (do not forward this e-mail).</p>\n")
            .Append("<p>Deadline: <b>").Append(Html.Encode(deadline)).Append("</b></p>\n")
            .Append("<p>").Append(Html.Encode(rubric)).Append("</p>\n")
            .Append("</body></html>\n")
            .ToString();

        return new RenderedMail(subject, text, html);
    }

    /// <summary>Line breaks and other control characters become spaces: a value cannot start a new line of the subject or the text.</summary>
    private static string OneLine(string value) =>
        string.Create(value.Length, value, (span, v) =>
        {
            for (var i = 0; i < v.Length; i++)
            {
                span[i] = char.IsControl(v[i]) ? ' ' : v[i];
            }
        });
}
