using System.Text;

namespace CotPipeline.Pages;

/// <summary>HTML text helpers shared by the review pages and the review e-mail.</summary>
internal static class Html
{
    /// <summary>
    /// Encodes the five characters that can end text or a quoted attribute value; every other character stays as it is
    /// (WebUtility.HtmlEncode would turn "·", "é" and Chinese into numeric references, which UTF-8 pages do not need).
    /// </summary>
    public static string Encode(string value) => value
        .Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal)
        .Replace("\"", "&quot;", StringComparison.Ordinal)
        .Replace("'", "&#39;", StringComparison.Ordinal);

    /// <summary>
    /// A labelled text area. The value starts on a new line because the parser drops one newline right after the start
    /// tag: a value that itself starts with a newline keeps it.
    /// </summary>
    public static StringBuilder Textarea(this StringBuilder html, string id, string name, string label, string? value, int rows, int? maxLength = null)
    {
        html.Append("<label for=\"").Append(Encode(id)).Append("\">").Append(Encode(label)).Append("</label>\n")
            .Append("<textarea id=\"").Append(Encode(id)).Append("\" name=\"").Append(Encode(name)).Append("\" rows=\"").Append(rows).Append('"');
        if (maxLength is { } max)
        {
            html.Append(" maxlength=\"").Append(max).Append('"');
        }

        return html.Append(">\n").Append(Encode(value ?? "")).Append("</textarea>\n");
    }

    /// <summary>A required radio button inside its label, so the whole line can be clicked or tapped.</summary>
    public static StringBuilder Radio(this StringBuilder html, string id, string name, string value, bool isChecked, string labelHtml) =>
        html.Append("<label class=\"choice\" for=\"").Append(Encode(id)).Append("\"><input type=\"radio\" id=\"").Append(Encode(id))
            .Append("\" name=\"").Append(Encode(name)).Append("\" value=\"").Append(Encode(value)).Append('"')
            .Append(isChecked ? " checked" : "").Append(" required> ").Append(labelHtml).Append("</label>\n");

    /// <summary>Text whose line breaks and indentation matter (question, critique, rewrite), in a block that keeps them.</summary>
    public static StringBuilder Preformatted(this StringBuilder html, string text, string cssClass = "pre") =>
        html.Append("<div class=\"").Append(cssClass).Append("\">").Append(Encode(text)).Append("</div>\n");
}
