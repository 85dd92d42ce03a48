using System.Globalization;
using System.Text;
using CotPipeline.Domain;
using CotPipeline.Http;
using CotPipeline.Mail;
using CotPipeline.Options;

namespace CotPipeline.Pages;

/// <summary>
/// The pages a reviewer or adjudicator opens from their e-mailed link, as complete HTML documents. No script; every value
/// shown is encoded (question, rationale, critique and names are untrusted) and no link or source is taken from data.
/// Send them with <see cref="PageSecurity.Headers"/> and <see cref="PageSecurity.ContentType"/>.
/// </summary>
public static class ReviewPages
{
    /// <summary>The one style block of every page; <see cref="PageSecurity.ContentSecurityPolicy"/> allows exactly this text by its hash.</summary>
    internal const string Style = """
        body{margin:0 auto;max-width:48rem;padding:1rem;font:1rem/1.6 system-ui,"Segoe UI",Roboto,"Noto Sans CJK SC","WenQuanYi Micro Hei","Microsoft YaHei",sans-serif;color:#1b1b1b;background:#fff}
        h1{font-size:1.4rem;line-height:1.3}
        h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ccc}
        h3,h4{font-size:1rem;margin-bottom:.3rem}
        .meta,.hint{color:#444}
        .hint{font-size:.92rem}
        .pre,.steps li{white-space:pre-wrap;overflow-wrap:anywhere}
        .box{border:1px solid #ccc;border-radius:.4rem;padding:.5rem .8rem;background:#fafafa}
        .alert{border:2px solid #b00020;border-radius:.4rem;padding:.3rem 1rem;background:#fdecee}
        .options{list-style:none;padding-left:0}
        .key{font-weight:600}
        ins{background:#d4f4dc;text-decoration:underline}
        del{background:#fbdada;text-decoration:line-through}
        .sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
        fieldset{border:1px solid #bbb;border-radius:.4rem;margin:1rem 0;padding:.5rem 1rem}
        legend{float:left;width:100%;font-weight:600;padding:.3rem 0}
        legend+*{clear:both}
        legend span{display:block;font-weight:400}
        details{margin-top:1rem}
        .safety{color:#b00020;font-weight:600}
        .choice{display:block;margin:0;padding:.3rem 0;cursor:pointer}
        label{display:block;margin-top:.6rem}
        textarea{display:block;width:100%;box-sizing:border-box;font:inherit;padding:.4rem}
        button{font:inherit;padding:.6rem 1.6rem;margin:1rem 0;border:0;border-radius:.4rem;background:#1a5fb4;color:#fff;cursor:pointer}
        :focus-visible{outline:3px solid #e66100;outline-offset:2px}
        .scroll{overflow-x:auto}
        table{border-collapse:collapse}
        th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
        summary{cursor:pointer;font-weight:600}
        @media (max-width:30rem){body{padding:.6rem}fieldset{padding:.4rem .6rem}}
        """;

    /// <summary>The review form of one round: the item, the version under review, what changed since the previous version, and the rubric.</summary>
    public static string Review(ReviewPageView v)
    {
        var item = v.Item;
        var title = $"Review: {item.Department} · item {item.Id} · round {v.Round}";
        var html = Heading(title, $"Reviewer: {v.ReviewerName}", v.Deadline, v.Errors, "review");
        Question(html, item);

        html.Append("<h2>Rationale under review (version ").Append(v.Current.Version).Append(")</h2>\n");
        Steps(html, v.Current);
        if (v.Previous is { } previous)
        {
            Changes(html, previous, v.Current);
        }

        var values = v.Values;
        html.Append(FormStart(v.FormAction))
            .Append("<h2>Your review</h2>\n")
            .Append("<p class=\"hint\">Score every criterion against its anchors. Your scores are not shown to the other reviewers, and theirs are not shown to you.</p>\n");
        foreach (var criterion in v.Rubric)
        {
            Criterion(html, criterion, values);
        }

        html.Append("<fieldset><legend>Verdict</legend>\n")
            .Radio("verdict-accept", FormFields.Verdict, FormFields.Accept, values?.Verdict == FormFields.Accept,
                "<strong>Accept</strong>: the rationale can go into the dataset as it is.")
            .Radio("verdict-needs-revision", FormFields.Verdict, FormFields.NeedsRevision, values?.Verdict == FormFields.NeedsRevision,
                "<strong>Needs revision</strong>: say what must change in the comments.")
            .Append("</fieldset>\n")
            .Textarea("general-comment", FormFields.GeneralComment, "General comment (optional)", values?.GeneralComment, 4, ReviewApi.MaxCommentChars);

        // A rewrite the reviewer typed is shown again, open; otherwise the box starts as the current text to edit.
        var rewrote = FormFields.IsRewrite(values?.Rewrite, v.Current);
        html.Append(rewrote ? "<details open>" : "<details>").Append("<summary>Rewrite the rationale (optional)</summary>\n")
            .Append("<p class=\"hint\">Edit the text below, one step per line. Leaving it unchanged means no rewrite.</p>\n")
            .Textarea("rewrite", FormFields.Rewrite, "Your version of the rationale", rewrote ? values!.Rewrite : v.Current.Text, 14)
            .Append("</details>\n")
            .Append("<button type=\"submit\">Submit review</button>\n</form>\n");
        return Document(title, html);
    }

    /// <summary>The adjudication form for an item at the strike cap: every version, every review by round, and the decision.</summary>
    public static string Adjudication(AdjudicationPageView v)
    {
        var item = v.Item;
        var title = $"Adjudication: {item.Department} · item {item.Id}";
        var html = Heading(title, $"Adjudicator: {v.AdjudicatorName}", v.Deadline, v.Errors, "decision");
        html.Append("<p>The reviewers did not reach consensus on this item within the allowed rounds. Read its versions and reviews, then accept a final rationale or exclude the item.</p>\n");
        Question(html, item);

        html.Append("<h2>Versions</h2>\n");
        var versions = v.Versions.OrderBy(r => r.Version).ToList();
        foreach (var version in versions)
        {
            html.Append("<h3>Version ").Append(version.Version).Append(": ").Append(Html.Encode(SourceLabel(version.Source)));
            if (version.AuthorId is { } author)
            {
                html.Append(" (").Append(Html.Encode(author)).Append(')');
            }

            html.Append("</h3>\n");
            if (!string.IsNullOrWhiteSpace(version.Critique))
            {
                html.Append("<details><summary>The critique it answers</summary>\n").Preformatted(version.Critique, "box pre").Append("</details>\n");
            }

            Steps(html, version);
        }

        html.Append("<h2>Reviews</h2>\n");
        if (v.Reviews.Count == 0)
        {
            html.Append("<p>No reviews were submitted.</p>\n");
        }

        foreach (var round in v.Reviews.GroupBy(r => r.Round).OrderBy(g => g.Key))
        {
            ReviewRound(html, round.Key, round.OrderBy(r => r.ReviewerId, StringComparer.Ordinal).ToList(), v.Rubric);
        }

        var values = v.Values;
        html.Append(FormStart(v.FormAction))
            .Append("<h2>Your decision</h2>\n")
            .Append("<fieldset><legend>Decision</legend>\n")
            .Radio("decision-accept", FormFields.Decision, FormFields.Accept, values?.Decision == FormFields.Accept,
                "<strong>Accept</strong> the final rationale below as the item's rationale.")
            .Radio("decision-exclude", FormFields.Decision, FormFields.Exclude, values?.Decision == FormFields.Exclude,
                "<strong>Exclude</strong> the item from the dataset (give the reason below).")
            .Append("</fieldset>\n")
            .Append("<p class=\"hint\">The final rationale starts as the latest version; edit it, one step per line.</p>\n")
            .Textarea("final-text", FormFields.FinalText, "Final rationale (used when you accept)",
                values?.FinalText ?? (versions.Count > 0 ? versions[^1].Text : ""), 14)
            .Textarea("reason", FormFields.Reason, "Reason (required to exclude, optional to accept)", values?.Reason, 4, ReviewApi.MaxCommentChars)
            .Append("<button type=\"submit\">Submit decision</button>\n</form>\n");
        return Document(title, html);
    }

    /// <summary>A page after a submission: thanks, and what happens next (or that a late review is kept but not counted).</summary>
    public static string Confirmation(string heading, string message) =>
        Document(heading, new StringBuilder()
            .Append("<h1>").Append(Html.Encode(heading)).Append("</h1>\n")
            .Append("<p class=\"pre\">").Append(Html.Encode(message)).Append("</p>\n"));

    /// <summary>
    /// The page for a link that does not lead to a form: what happened and what to do. <paramref name="detail"/> is the
    /// expiry as reviewers read it (<see cref="ReviewMailRenderer.FormatDeadline"/>) for <see cref="LinkPage.Expired"/>,
    /// and for the other pages a sentence added below the message.
    /// </summary>
    public static string Status(LinkPage page, string? detail = null)
    {
        var (heading, message) = page switch
        {
            LinkPage.Malformed => ("This link is incomplete",
                "The address is not a complete review link; e-mail programs sometimes break long links across lines. Open the link from the e-mail again, or copy all of it into the address bar."),
            LinkPage.Tampered => ("This link is not valid",
                "This link is not valid — it may have been cut or changed. Open it from the e-mail again; if that does not help, ask the coordinator for a new link."),
            LinkPage.Expired => ("This link has expired",
                (detail is null ? "This link has expired" : $"This link expired on {detail}") + "; ask the coordinator for a new one."),
            LinkPage.AlreadySubmitted => ("Already submitted",
                "This review has already been submitted, and a review can be submitted once. Thank you — there is nothing more to do."),
            LinkPage.Reassigned => ("This review was given to another reviewer",
                "This review was given to another reviewer because the deadline passed. Thank you — there is nothing to do."),
            LinkPage.RoundClosed => ("This review round has closed",
                "The round this link belongs to has closed, so no more reviews are collected for it. Thank you — there is nothing to do."),
            LinkPage.NotFound => ("Review not found",
                "There is no review behind this link. If you think there should be, ask the coordinator and mention the link."),
            LinkPage.ItemFinished => ("This item is finished",
                "The review of this item is complete, so no further review is needed. Thank you — there is nothing to do."),
            _ => throw new ArgumentOutOfRangeException(nameof(page), page, "Not a link page."),
        };

        var html = new StringBuilder()
            .Append("<h1>").Append(Html.Encode(heading)).Append("</h1>\n")
            .Append("<p>").Append(Html.Encode(message)).Append("</p>\n");
        if (detail is not null && page != LinkPage.Expired)
        {
            html.Append("<p>").Append(Html.Encode(detail)).Append("</p>\n");
        }

        return Document(heading, html);
    }

    private static string Document(string title, StringBuilder main) =>
        new StringBuilder(main.Length + Style.Length + 400)
            .Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(Html.Encode(title)).Append("</title>\n")
            .Append("<style>").Append(Style).Append("</style>\n")
            .Append("</head>\n<body>\n<main>\n").Append(main).Append("</main>\n</body>\n</html>\n")
            .ToString();

    /// <summary>The page heading, who it is for and the deadline, and the errors of a refused submission if any.</summary>
    private static StringBuilder Heading(string title, string who, DateTimeOffset deadline, IReadOnlyList<string> errors, string submission)
    {
        var html = new StringBuilder()
            .Append("<h1>").Append(Html.Encode(title)).Append("</h1>\n")
            .Append("<p class=\"meta\">").Append(Html.Encode(who))
            .Append(" · Deadline: <strong>").Append(ReviewMailRenderer.FormatDeadline(deadline)).Append("</strong></p>\n");
        if (errors.Count > 0)
        {
            html.Append("<div class=\"alert\" role=\"alert\">\n<p><strong>Your ").Append(submission)
                .Append(" was not submitted yet. Please correct the following and submit again:</strong></p>\n<ul>\n");
            foreach (var error in errors)
            {
                html.Append("<li>").Append(Html.Encode(error)).Append("</li>\n");
            }

            html.Append("</ul>\n</div>\n");
        }

        return html;
    }

    /// <summary>The form posts to a path on this site: the content security policy allows no other target anyway.</summary>
    private static string FormStart(string formAction) =>
        formAction.StartsWith('/') && !formAction.StartsWith("//", StringComparison.Ordinal) && !formAction.Contains('\\', StringComparison.Ordinal)
            ? $"<form method=\"post\" action=\"{Html.Encode(formAction)}\">\n"
            : throw new ArgumentException("The form action must be a path on this site, starting with a single \"/\".", nameof(formAction));

    private static void Question(StringBuilder html, QaItem item)
    {
        html.Append("<h2>Question</h2>\n").Preformatted(item.Question).Append("<ul class=\"options\">\n");
        foreach (var (key, text) in item.Options.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            var isKey = key == item.Answer;
            html.Append(isKey ? "<li class=\"key\">" : "<li>").Append(Html.Encode(key)).Append(". ").Append(Html.Encode(text))
                .Append(isKey ? " <em>(answer key)</em></li>\n" : "</li>\n");
        }

        html.Append("</ul>\n");
    }

    private static void Steps(StringBuilder html, RationaleVersion version)
    {
        html.Append("<ol class=\"steps\">\n");
        foreach (var step in version.Steps)
        {
            html.Append("<li>").Append(Html.Encode(step)).Append("</li>\n");
        }

        html.Append("</ol>\n<p>Final answer: <strong>").Append(Html.Encode(version.FinalAnswer)).Append("</strong></p>\n");
    }

    /// <summary>The word diff from the previous version, the critique that produced the current one, and who wrote it.</summary>
    private static void Changes(StringBuilder html, RationaleVersion previous, RationaleVersion current)
    {
        html.Append("<h2>What changed since version ").Append(previous.Version).Append("</h2>\n")
            .Append("<p class=\"hint\">Removed text is struck through, added text is underlined.</p>\n<div class=\"box pre\">");
        foreach (var piece in WordDiff.Compare(previous.Text, current.Text))
        {
            var text = Html.Encode(piece.Text);
            html.Append(piece.Kind switch
            {
                DiffKind.Removed => $"<del><span class=\"sr\">[removed: </span>{text}<span class=\"sr\">]</span></del>",
                DiffKind.Added => $"<ins><span class=\"sr\">[added: </span>{text}<span class=\"sr\">]</span></ins>",
                _ => text,
            });
        }

        html.Append("</div>\n<p>This version was ").Append(Html.Encode(SourceLabel(current.Source))).Append(".</p>\n")
            .Append("<h3>The critique that led to this version</h3>\n")
            .Preformatted(string.IsNullOrWhiteSpace(current.Critique) ? "No critique was recorded." : current.Critique, "box pre");
    }

    private static string SourceLabel(string source) => source switch
    {
        RationaleSources.Llm => "written by the model",
        RationaleSources.LlmRegenerated => "regenerated by the model from the reviewers' critique",
        RationaleSources.Human => "rewritten by a reviewer",
        _ => $"from source \"{source}\"",
    };

    private static void Criterion(StringBuilder html, RubricCriterion criterion, ReviewForm? values)
    {
        var id = criterion.Id;
        html.Append("<fieldset>\n<legend>").Append(Html.Encode(criterion.Name));
        if (criterion.SafetyCritical)
        {
            html.Append(" <span class=\"safety\">Safety-critical: a score of ").Append(criterion.VetoLevel)
                .Append(" or lower from any reviewer blocks acceptance.</span>");
        }

        html.Append("<span>").Append(Html.Encode(criterion.Description)).Append("</span></legend>\n");
        var chosen = values?.Scores.GetValueOrDefault(id);
        for (var level = criterion.ScaleMin; level <= criterion.ScaleMax; level++)
        {
            var value = level.ToString(CultureInfo.InvariantCulture);
            var anchor = criterion.Anchors.GetValueOrDefault(value);
            html.Radio($"c-{id}-{value}", FormFields.ScorePrefix + id, value, chosen == value,
                anchor is null ? $"<strong>{value}</strong>" : $"<strong>{value}</strong> — {Html.Encode(anchor)}");
        }

        html.Textarea($"c-{id}-comment", FormFields.CommentPrefix + id, $"Comment on {criterion.Name} (optional)",
            values?.Comments.GetValueOrDefault(id), 2, ReviewApi.MaxCommentChars)
            .Append("</fieldset>\n");
    }

    private static void ReviewRound(StringBuilder html, int round, List<Review> reviews, IReadOnlyList<RubricCriterion> rubric)
    {
        html.Append("<h3>Round ").Append(round).Append("</h3>\n<div class=\"scroll\"><table>\n<thead><tr><th scope=\"col\">Reviewer</th><th scope=\"col\">Version</th>");
        foreach (var criterion in rubric)
        {
            html.Append("<th scope=\"col\">").Append(Html.Encode(criterion.Name)).Append(" (").Append(criterion.ScaleMin).Append('–')
                .Append(criterion.ScaleMax).Append(")</th>");
        }

        html.Append("<th scope=\"col\">Verdict</th></tr></thead>\n<tbody>\n");
        foreach (var review in reviews)
        {
            html.Append("<tr><th scope=\"row\">").Append(Html.Encode(review.ReviewerId)).Append("</th><td>").Append(review.Version).Append("</td>");
            foreach (var criterion in rubric)
            {
                html.Append("<td>").Append(review.Scores.TryGetValue(criterion.Id, out var score) ? score.ToString(CultureInfo.InvariantCulture) : "–").Append("</td>");
            }

            html.Append("<td>").Append(review.Verdict == Verdict.Accept ? "accept" : "needs revision").Append("</td></tr>\n");
        }

        html.Append("</tbody>\n</table></div>\n");
        foreach (var review in reviews.Where(r => r.Comments.Count > 0 || r.Rewrite is not null))
        {
            html.Append("<h4>").Append(Html.Encode(review.ReviewerId)).Append("</h4>\n");
            if (review.Comments.Count > 0)
            {
                html.Append("<ul>\n");
                foreach (var (key, comment) in review.Comments.OrderBy(c => CommentOrder(c.Key, rubric)))
                {
                    var name = key == ReviewApi.GeneralComment ? "General" : rubric.FirstOrDefault(c => c.Id == key)?.Name ?? key;
                    html.Append("<li><strong>").Append(Html.Encode(name)).Append(":</strong> <span class=\"pre\">").Append(Html.Encode(comment)).Append("</span></li>\n");
                }

                html.Append("</ul>\n");
            }

            if (review.Rewrite is { } rewrite)
            {
                html.Append("<details><summary>Rewrite by ").Append(Html.Encode(review.ReviewerId)).Append("</summary>\n")
                    .Preformatted(rewrite, "box pre").Append("</details>\n");
            }
        }
    }

    /// <summary>Comments in rubric order, the general comment last.</summary>
    private static int CommentOrder(string key, IReadOnlyList<RubricCriterion> rubric)
    {
        for (var i = 0; i < rubric.Count; i++)
        {
            if (rubric[i].Id == key)
            {
                return i;
            }
        }

        return rubric.Count;
    }
}
