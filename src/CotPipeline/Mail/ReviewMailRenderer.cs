using System.Globalization;
using System.Text;
using CotPipeline.Models;
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
        var item = OneLine(mail.ItemId);
        var department = OneLine(mail.Department);
        var (subject, ask, action) = mail.Kind switch
        {
            MailKind.Reminder => (
                $"Reminder: review request · {department} · item {item} · round {mail.Round}",
                $"a reminder: your review of the rationale of item {item} ({department}), round {mail.Round}, has not arrived yet. "
                + "If it does not arrive by the new deadline, the review is given to another reviewer.",
                "Open your personal review page"),
            MailKind.Adjudication => (
                $"Adjudication request: {department} · item {item}",
                $"the reviewers of item {item} ({department}) did not agree after {mail.Round} rounds. "
                + "Please read every version and review, then set the final rationale or exclude the item with a reason.",
                "Open the adjudication page"),
            _ => (
                $"Review request: {department} · item {item} · round {mail.Round}",
                $"please review the rationale of item {item} ({department}), round {mail.Round}.",
                "Open your personal review page"),
        };
        var deadline = FormatDeadline(mail.Deadline);
        var rubric = RubricLine(mail.RubricCriteria);

        var text = new StringBuilder()
            .Append("Dear ").Append(OneLine(mail.ReviewerName)).Append(",\n\n")
            .Append(ask).Append("\n\n")
            .Append("Question: ").Append(mail.QuestionExcerpt).Append("\n\n")
            .Append("Your personal link (do not forward it):\n").Append(link).Append("\n\n")
            .Append("Deadline: ").Append(deadline).Append('\n')
            .Append(rubric).Append('\n')
            .ToString();

        var html = new StringBuilder()
            .Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(Html.Encode(subject)).Append("</title></head><body>\n")
            .Append("<p>Dear ").Append(Html.Encode(OneLine(mail.ReviewerName))).Append(",</p>\n")
            .Append("<p>").Append(Html.Encode(ask)).Append("</p>\n")
            .Append("<blockquote style=\"white-space: pre-wrap\">").Append(Html.Encode(mail.QuestionExcerpt)).Append("</blockquote>\n")
            .Append("<p><a href=\"").Append(Html.Encode(link)).Append("\">").Append(action).Append("</a> (do not forward this e-mail).</p>\n")
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
