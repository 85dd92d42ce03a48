using CotPipeline.Activities;
using CotPipeline.Domain;
using CotPipeline.Links;
using CotPipeline.Models;
using CotPipeline.Options;
using CotPipeline.Pages;
using CotPipeline.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace CotPipeline.Http;

/// <summary>
/// The pages a reviewer or adjudicator reaches from the e-mailed link <c>/api/review/{token}</c>: the signed token is the only key.
/// GET shows the form (any number of times); POST submits it (once). A link that is malformed, tampered with, expired, replaced,
/// used, reassigned or for a closed round gets a page saying so and changes nothing — except that a complete review posted after
/// its round closed is thanked and kept in the audit trail, not counted.
/// </summary>
public sealed class ReviewPageApi(
    CotStore store, ArtifactCache cache, ReviewLinkSigner signer, ReviewApi reviews, ReviewRelay relay, IOptions<ApiOptions> api, TimeProvider clock)
{
    /// <summary><c>GET /api/review/{token}</c>.</summary>
    public async Task<IResult> ShowAsync(string token, CancellationToken ct)
    {
        var (opened, refusal) = await OpenAsync(token, posting: false, ct);
        if (refusal is not null)
        {
            return refusal;
        }

        return opened!.Assignment.Kind == AssignmentKind.Adjudication
            ? Html(StatusCodes.Status200OK, ReviewPages.Adjudication(await AdjudicationViewAsync(opened, null, [], ct)))
            : Html(StatusCodes.Status200OK, ReviewPages.Review(await ReviewViewAsync(opened, null, [], ct)));
    }

    /// <summary><c>POST /api/review/{token}</c> with the form (<c>application/x-www-form-urlencoded</c>).</summary>
    public async Task<IResult> SubmitAsync(string token, HttpRequest request, DurableTaskClient client, CancellationToken ct)
    {
        var (opened, refusal) = await OpenAsync(token, posting: true, ct);
        if (refusal is not null)
        {
            return refusal;
        }

        var (form, formProblem) = await ReadFormAsync(request, ct);
        if (formProblem is not null)
        {
            return formProblem;
        }

        return opened!.Assignment.Kind == AssignmentKind.Adjudication
            ? await AdjudicateAsync(opened, form!, client, ct)
            : await ReviewAsync(opened, form!, client, ct);
    }

    private async Task<IResult> ReviewAsync(Opened opened, Dictionary<string, StringValues> form, DurableTaskClient client, CancellationToken ct)
    {
        var (batchId, itemId, _, _) = opened.Link.Assignment;
        var current = cache.VersionAsync(batchId, itemId, opened.Assignment.Version, opened.Assignment.CreatedAt, ct);
        var settings = cache.SettingsAsync(batchId, opened.Assignment.CreatedAt, ct);
        await Task.WhenAll(current, settings);
        var (values, request, problems) = ParseReview(form, current.Result, settings.Result.Rubric);
        if (problems.Count == 0)
        {
            var outcome = await reviews.SubmitAsync(opened.Link.Assignment, opened.Assignment, request, settings.Result, client, ct);
            switch (outcome.Kind)
            {
                case SubmissionKind.Counted:
                    return Html(StatusCodes.Status200OK, ReviewPages.Confirmation("Thank you — your review is recorded",
                        $"Your review of item {opened.Link.Assignment.ItemId}, round {opened.Link.Assignment.Round}, was received at "
                        + $"{Format(clock.GetUtcNow())}. You can close this page."));
                case SubmissionKind.Late:
                    return Html(StatusCodes.Status200OK, ReviewPages.Confirmation("Thank you — the round had already closed", ReviewApi.LateMessage));
                case SubmissionKind.Replay:
                    return Html(StatusCodes.Status409Conflict, ReviewPages.Status(LinkPage.AlreadySubmitted, Submitted(outcome.FirstSubmittedAt)));
                default:
                    problems = [.. outcome.Problems];
                    break;
            }
        }

        return Html(StatusCodes.Status422UnprocessableEntity, ReviewPages.Review(await ReviewViewAsync(opened, values, problems, ct)));
    }

    private async Task<IResult> AdjudicateAsync(Opened opened, Dictionary<string, StringValues> form, DurableTaskClient client, CancellationToken ct)
    {
        var values = new AdjudicationForm(One(form, FormFields.Decision), One(form, FormFields.FinalText), One(form, FormFields.Reason));
        AdjudicationDecision? decision = values.Decision switch
        {
            FormFields.Accept => AdjudicationDecision.Accept,
            FormFields.Exclude => AdjudicationDecision.Exclude,
            _ => null,
        };
        var id = opened.Link.Assignment;
        var problem = values.Decision is not null && decision is null
            ? $"The decision \"{Ids.Shorten(values.Decision)}\" is not one of the choices; choose accept or exclude."
            : null;
        if (problem is null)
        {
            var outcome = await reviews.DecideAsync(
                new AdjudicationRequest(id.BatchId, id.ItemId, id.ReviewerId, decision, values.FinalText, values.Reason), client, ct);
            switch (outcome.Kind)
            {
                case AdjudicationOutcomeKind.Decided:
                    return Html(StatusCodes.Status200OK, ReviewPages.Confirmation("Thank you — your decision is recorded",
                        decision == AdjudicationDecision.Exclude
                            ? $"Item {id.ItemId} is excluded from the dataset with your reason. You can close this page."
                            : $"Your text is now the final rationale of item {id.ItemId}. You can close this page."));
                case AdjudicationOutcomeKind.AlreadyDecided:
                    return Html(StatusCodes.Status409Conflict, ReviewPages.Status(LinkPage.AlreadySubmitted, outcome.Detail));
                case AdjudicationOutcomeKind.NotAwaiting or AdjudicationOutcomeKind.NotFound:
                    return Html(StatusCodes.Status409Conflict, ReviewPages.Status(LinkPage.ItemFinished, outcome.Detail));
                default:
                    problem = outcome.Detail;
                    break;
            }
        }

        return Html(StatusCodes.Status422UnprocessableEntity, ReviewPages.Adjudication(await AdjudicationViewAsync(opened, values, [problem], ct)));
    }

    /// <summary>The verified link and its assignment, or the page that explains why there is no form.</summary>
    private async Task<(Opened? Opened, IResult? Refusal)> OpenAsync(string token, bool posting, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var verification = signer.Verify(token, now);
        if (verification.Status == LinkStatus.Malformed)
        {
            return (null, Html(StatusCodes.Status400BadRequest, ReviewPages.Status(LinkPage.Malformed)));
        }

        if (verification.Status == LinkStatus.BadSignature)
        {
            return (null, Html(StatusCodes.Status403Forbidden, ReviewPages.Status(LinkPage.Tampered)));
        }

        var link = verification.Link!;
        var (batchId, itemId, _, reviewerId) = link.Assignment;
        await store.EnsureCreatedAsync();
        // A page to show needs the item's row and the reviewer's name as well: read them beside the assignment. A review's
        // submission needs neither.
        var assignmentRead = store.GetRowAsync<AssignmentRow>(store.Assignments, reviewerId, link.Assignment.ToString(), ct);
        var itemRead = posting ? null : store.GetRowAsync<ItemRow>(store.Items, batchId, itemId, ct);
        var nameRead = posting ? null : NameOfAsync(reviewerId, ct);
        await Task.WhenAll(assignmentRead, itemRead ?? Task.CompletedTask, nameRead ?? Task.CompletedTask);
        var assignment = assignmentRead.Result;
        if (assignment is null)
        {
            return (null, Html(StatusCodes.Status404NotFound, ReviewPages.Status(LinkPage.NotFound)));
        }

        if (assignment.LinkId != link.LinkId)
        {
            // Genuinely signed, but a newer link was e-mailed in its place (a reminder renews a link that would expire too soon).
            return (null, Html(StatusCodes.Status410Gone, ReviewPages.Status(LinkPage.Expired,
                "A newer link for this review was e-mailed to you; please use the link in the latest e-mail.")));
        }

        if (verification.Status == LinkStatus.Expired)
        {
            return (null, Html(StatusCodes.Status410Gone, ReviewPages.Status(LinkPage.Expired, $"It expired at {Format(link.ExpiresAt)}.")));
        }

        // Submitted, or stored here a moment ago and its assignment not marked yet (the engine may be away for minutes).
        if (assignment.Status == AssignmentStatus.Submitted || (assignment.Status == AssignmentStatus.Open && relay.Owes(link.Assignment)))
        {
            var submitted = await store.GetRowAsync<ReviewRow>(store.Reviews, ReviewRow.PartitionFor(batchId, itemId),
                ReviewRow.RowFor(link.Assignment.Round, reviewerId), ct);
            return (null, Html(StatusCodes.Status409Conflict, ReviewPages.Status(LinkPage.AlreadySubmitted, Submitted(submitted?.SubmittedAt))));
        }

        var opened = new Opened(token, link, assignment, nameRead?.Result);
        var item = itemRead?.Result;
        if (assignment.Kind == AssignmentKind.Adjudication)
        {
            item ??= await store.GetRowAsync<ItemRow>(store.Items, batchId, itemId, ct);
            return item?.State == ItemState.Adjudication.Name()
                ? (opened, null)
                : (null, Html(StatusCodes.Status409Conflict, ReviewPages.Status(LinkPage.ItemFinished)));
        }

        if (posting)
        {
            // A review posted on a closed round is still kept (and not counted): ReviewApi decides by the assignment's status.
            return (opened, null);
        }

        if (assignment.Status == AssignmentStatus.Reassigned)
        {
            return (null, Html(StatusCodes.Status410Gone, ReviewPages.Status(LinkPage.Reassigned)));
        }

        var roundOver = AssignmentStatus.IsClosed(assignment.Status) || item is null || item.Round > assignment.Round
            || ItemStates.Parse(item.State).IsFinal();
        return roundOver ? (null, Html(StatusCodes.Status410Gone, ReviewPages.Status(LinkPage.RoundClosed))) : (opened, null);
    }

    private async Task<ReviewPageView> ReviewViewAsync(Opened opened, ReviewForm? values, IReadOnlyList<string> errors, CancellationToken ct)
    {
        var (batchId, itemId, round, reviewerId) = opened.Link.Assignment;
        var since = opened.Assignment.CreatedAt;
        var item = cache.ItemAsync(batchId, itemId, since, ct);
        var settings = cache.SettingsAsync(batchId, since, ct);
        var current = cache.VersionAsync(batchId, itemId, opened.Assignment.Version, since, ct);
        var name = opened.ReviewerName is { } known ? Task.FromResult(known) : NameOfAsync(reviewerId, ct);
        await Task.WhenAll(item, settings, current, name);
        var previous = current.Result.ParentVersion is { } parent ? await cache.VersionAsync(batchId, itemId, parent, since, ct) : null;
        return new ReviewPageView(FormAction(opened), name.Result, item.Result, round, opened.Assignment.Deadline,
            current.Result, previous, settings.Result.Rubric, values, errors);
    }

    private async Task<AdjudicationPageView> AdjudicationViewAsync(Opened opened, AdjudicationForm? values, IReadOnlyList<string> errors, CancellationToken ct)
    {
        var (batchId, itemId, _, adjudicatorId) = opened.Link.Assignment;
        var since = opened.Assignment.CreatedAt;
        var item = cache.ItemAsync(batchId, itemId, since, ct);
        var settings = cache.SettingsAsync(batchId, since, ct);
        var row = store.GetRowAsync<ItemRow>(store.Items, batchId, itemId, ct);
        var name = opened.ReviewerName is { } known ? Task.FromResult(known) : NameOfAsync(adjudicatorId, ct);
        var all = new List<Review>();
        await foreach (var review in CotStore.PartitionAsync<ReviewRow>(store.Reviews, ReviewRow.PartitionFor(batchId, itemId), ct))
        {
            all.Add(Json.Deserialize<Review>(review.ReviewJson));
        }

        await Task.WhenAll(item, settings, row, name);
        var versions = await Task.WhenAll(Enumerable.Range(1, row.Result?.CurrentVersion ?? opened.Assignment.Version)
            .Select(v => cache.VersionAsync(batchId, itemId, v, since, ct)));
        return new AdjudicationPageView(FormAction(opened), name.Result, item.Result, [.. versions],
            all.OrderBy(r => r.Round).ThenBy(r => r.SubmittedAt).ToList(), settings.Result.Rubric, opened.Assignment.Deadline, values, errors);
    }

    /// <summary>
    /// The posted form as the page shows it again, as the review it asks to store, and what a reviewer must still do, in the page's
    /// words (the review API checks the rest).
    /// </summary>
    private static (ReviewForm Values, ReviewRequest Request, List<string> Problems) ParseReview(
        Dictionary<string, StringValues> form, RationaleVersion current, IReadOnlyList<RubricCriterion> rubric)
    {
        var problems = new List<string>();
        var scoreTexts = new Dictionary<string, string>();
        var scores = new Dictionary<string, int>();
        var comments = new Dictionary<string, string>();
        foreach (var (key, value) in form)
        {
            if (key.StartsWith(FormFields.ScorePrefix, StringComparison.Ordinal))
            {
                var criterion = key[FormFields.ScorePrefix.Length..];
                scoreTexts[criterion] = value.ToString();
                if (int.TryParse(value.ToString(), out var score))
                {
                    scores[criterion] = score;
                }
                else
                {
                    problems.Add($"The score for \"{Ids.Shorten(criterion)}\" is not a number.");
                }
            }
            else if (key.StartsWith(FormFields.CommentPrefix, StringComparison.Ordinal))
            {
                comments[key[FormFields.CommentPrefix.Length..]] = value.ToString();
            }
        }

        var verdictText = One(form, FormFields.Verdict);
        Verdict? verdict = verdictText switch
        {
            FormFields.Accept => Verdict.Accept,
            FormFields.NeedsRevision => Verdict.NeedsRevision,
            _ => null,
        };
        foreach (var criterion in rubric.Where(c => !scoreTexts.ContainsKey(c.Id)))
        {
            problems.Add($"Choose a score for “{criterion.Name}”.");
        }

        if (verdictText is { Length: > 0 } && verdict is null)
        {
            problems.Add($"The verdict \"{Ids.Shorten(verdictText)}\" is not one of the choices.");
        }
        else if (verdict is null)
        {
            problems.Add("Choose a verdict: accept, or needs revision.");
        }

        var rewriteText = One(form, FormFields.Rewrite);
        // The editor is prefilled with the version under review: unchanged (line ends and numbering aside) means no rewrite.
        var rewrite = FormFields.IsRewrite(rewriteText, current) ? rewriteText : null;
        var values = new ReviewForm(verdictText, scoreTexts, comments.Where(c => c.Key != ReviewApi.GeneralComment).ToDictionary(),
            comments.GetValueOrDefault(ReviewApi.GeneralComment), rewriteText);
        var request = new ReviewRequest(null, verdict, scores, comments, rewrite);
        return (values, request, problems);
    }

    private async Task<(Dictionary<string, StringValues>? Form, IResult? Problem)> ReadFormAsync(HttpRequest request, CancellationToken ct)
    {
        if (!request.HasFormContentType || request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) != true)
        {
            return (null, Html(StatusCodes.Status415UnsupportedMediaType, ReviewPages.Confirmation("The form could not be read",
                "The page sends its form as application/x-www-form-urlencoded; please submit it from the review page.")));
        }

        var limit = api.Value.MaxReviewBytes;
        using var buffer = new MemoryStream();
        if (!await BodyReader.CopyLimitedAsync(request, buffer, limit, ct))
        {
            return (null, Html(StatusCodes.Status413PayloadTooLarge, ReviewPages.Confirmation("Your review is too long",
                $"The form holds more than {limit / 1024:N0} KiB. Please shorten the comments or the rewrite and submit again (use the browser's back button: your text is still there).")));
        }

        buffer.Position = 0;
        using var reader = new FormReader(buffer) { ValueCountLimit = 200, KeyLengthLimit = 200, ValueLengthLimit = limit };
        try
        {
            return (await reader.ReadFormAsync(ct), null);
        }
        catch (InvalidDataException)
        {
            return (null, Html(StatusCodes.Status400BadRequest, ReviewPages.Confirmation("The form could not be read",
                "The form has too many or too long fields; please submit it from the review page.")));
        }
    }

    private async Task<string> NameOfAsync(string reviewerId, CancellationToken ct) =>
        (await store.GetRowAsync<ReviewerRow>(store.Reviewers, ReviewerRow.Partition, reviewerId, ct))?.Name ?? reviewerId;

    /// <summary>The form posts back to the link it came from.</summary>
    private static string FormAction(Opened opened) => $"/{ApiRouteTable.Prefix}/review/{opened.Token}";

    private static string? One(Dictionary<string, StringValues> form, string key) =>
        form.TryGetValue(key, out var value) ? value.ToString() : null;

    private static string Submitted(DateTimeOffset? at) =>
        at is { } t ? $"Your review was received at {Format(t)}; a review can be submitted once." : "A review can be submitted once.";

    private static string Format(DateTimeOffset at) => Mail.ReviewMailRenderer.FormatDeadline(at);

    private static IResult Html(int status, string html) => new HtmlPage(status, html);

    /// <summary>A verified link and its open assignment; for a page to show, the reviewer's name read beside it.</summary>
    private sealed record Opened(string Token, ReviewLink Link, AssignmentRow Assignment, string? ReviewerName);

    /// <summary>A page with the security headers every review page carries.</summary>
    private sealed class HtmlPage(int status, string html) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = status;
            foreach (var (name, value) in PageSecurity.Headers)
            {
                response.Headers[name] = value;
            }

            response.ContentType = PageSecurity.ContentType;
            return response.WriteAsync(html, httpContext.RequestAborted);
        }
    }
}
