using Azure;
using Azure.Data.Tables;
using CotPipeline.Activities;
using CotPipeline.Constants;
using CotPipeline.Domain;
using CotPipeline.Models;
using CotPipeline.Options;
using CotPipeline.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace CotPipeline.Http;

/// <summary>The body of <c>POST /api/reviews</c>.</summary>
public sealed record ReviewRequest(
    string? AssignmentId,
    Verdict? Verdict,
    Dictionary<string, int>? Scores,
    Dictionary<string, string>? Comments,
    string? Rewrite);

/// <summary>How a review submission ended.</summary>
public enum SubmissionKind
{
    /// <summary>Refused: see the problems; nothing stored.</summary>
    Invalid,
    /// <summary>A review for this assignment was already stored; nothing changed.</summary>
    Replay,
    /// <summary>Stored after the round closed: kept in the audit trail, not counted.</summary>
    Late,
    /// <summary>Stored; raised to the item (<see cref="ReviewRelay"/>).</summary>
    Counted,
}

/// <summary>The outcome of <see cref="ReviewApi.SubmitAsync"/>.</summary>
public sealed record ReviewSubmission(SubmissionKind Kind, IReadOnlyList<string> Problems, DateTimeOffset? FirstSubmittedAt = null);

/// <summary>How an adjudication ended.</summary>
public enum AdjudicationOutcomeKind
{
    Invalid,
    NotFound,
    NotAwaiting,
    AlreadyDecided,
    Decided,
}

/// <summary>The outcome of <see cref="ReviewApi.DecideAsync"/>; <see cref="Detail"/> says why when it is not decided.</summary>
public sealed record AdjudicationOutcome(AdjudicationOutcomeKind Kind, string Detail);

/// <summary>The body of <c>POST /api/adjudications</c>.</summary>
public sealed record AdjudicationRequest(
    string? BatchId,
    string? ItemId,
    string? AdjudicatorId,
    AdjudicationDecision? Decision,
    string? FinalText,
    string? Reason);

/// <summary>
/// Review and adjudication submissions. A submission is stored first (a Table insert keyed by the assignment:
/// a second insert is a replay and is refused), then raised as an event to the item's orchestration.
/// </summary>
public sealed class ReviewApi(CotStore store, ArtifactCache cache, ReviewRelay relay, IOptions<ApiOptions> api, TimeProvider clock)
{
    /// <summary>Comment key for remarks that belong to no single criterion.</summary>
    public const string GeneralComment = Review.GeneralComment;

    public const int MaxCommentChars = 4_000;

    /// <summary><c>POST /api/reviews</c>.</summary>
    public async Task<IResult> SubmitReviewAsync(HttpRequest request, DurableTaskClient client, CancellationToken ct)
    {
        var (body, error) = await BodyReader.ReadJsonAsync<ReviewRequest>(request, api.Value.MaxReviewBytes, ct);
        if (error is not null)
        {
            return error;
        }

        if (!AssignmentId.TryParse(body!.AssignmentId, out var id))
        {
            return Problems.BadRequest(body.AssignmentId is null
                ? "Field \"assignmentId\" is missing."
                : $"Field \"assignmentId\" \"{Ids.Shorten(body.AssignmentId)}\" is not an assignment id (batch.item.round.reviewer).");
        }

        await store.EnsureCreatedAsync();
        var assignment = await store.GetRowAsync<AssignmentRow>(store.Assignments, id.ReviewerId, id.ToString(), ct);
        if (assignment is null || assignment.Kind != AssignmentKind.Review)
        {
            return Problems.NotFound($"There is no review assignment \"{id}\".");
        }

        var outcome = await SubmitAsync(id, assignment, body, client, ct);
        return outcome.Kind switch
        {
            SubmissionKind.Invalid => Problems.BadRequest(string.Join(" ", outcome.Problems), new Dictionary<string, object?> { ["errors"] = outcome.Problems }),
            SubmissionKind.Replay => Problems.Conflict("Review already submitted",
                $"A review for assignment \"{id}\" was already submitted at {outcome.FirstSubmittedAt:u}; a review can be submitted once."),
            SubmissionKind.Late => Results.Ok(new { assignmentId = id.ToString(), counted = false, message = LateMessage }),
            _ => Results.Accepted($"/api/batches/{id.BatchId}/items/{id.ItemId}", new { assignmentId = id.ToString(), counted = true }),
        };
    }

    /// <summary>What a reviewer who submits after the round closed is told.</summary>
    public const string LateMessage =
        "Thank you. This round had already closed when your review arrived: it is kept in the item's audit trail but not counted.";

    /// <summary>
    /// Validates and stores a review of <paramref name="assignment"/> and raises it to the item: the one path of the JSON API and the
    /// review page. Stored first (a Table insert keyed by the assignment; a second one is a replay), then raised, after the answer
    /// (<see cref="ReviewRelay"/>); on an assignment that is no longer open the review is kept, not counted.
    /// </summary>
    public async Task<ReviewSubmission> SubmitAsync(AssignmentId id, AssignmentRow assignment, ReviewRequest body, DurableTaskClient client, CancellationToken ct) =>
        await SubmitAsync(id, assignment, body, await cache.SettingsAsync(id.BatchId, assignment.CreatedAt, ct), client, ct);

    /// <summary><see cref="SubmitAsync(AssignmentId, AssignmentRow, ReviewRequest, DurableTaskClient, CancellationToken)"/> with the batch's settings already read.</summary>
    public async Task<ReviewSubmission> SubmitAsync(
        AssignmentId id, AssignmentRow assignment, ReviewRequest body, BatchSettings settings, DurableTaskClient client, CancellationToken ct)
    {
        var problems = Validate(body, settings);
        if (problems.Count > 0)
        {
            return new ReviewSubmission(SubmissionKind.Invalid, problems);
        }

        var review = new Review
        {
            BatchId = id.BatchId,
            ItemId = id.ItemId,
            Round = id.Round,
            Version = assignment.Version,
            ReviewerId = id.ReviewerId,
            AssignmentId = id.ToString(),
            Scores = body.Scores!,
            Comments = (body.Comments ?? []).Where(c => !string.IsNullOrWhiteSpace(c.Value)).ToDictionary(c => c.Key, c => c.Value.Trim()),
            Verdict = body.Verdict!.Value,
            Rewrite = string.IsNullOrWhiteSpace(body.Rewrite) ? null : body.Rewrite.Trim(),
            SubmittedAt = clock.GetUtcNow(),
        };
        var counted = assignment.Status == AssignmentStatus.Open;
        var row = ReviewRow.From(review, counted);
        // The relay row goes beside the review (the same wait): with both stored, the reviewer is answered and the rest follows. A late
        // review is only kept: nothing follows it, so nothing is owed.
        var owed = counted ? relay.OweAsync(id, ct) : Task.FromResult(false);
        try
        {
            await store.Reviews.AddEntityAsync(row, ct);
            store.KeepReview(id.BatchId, row);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var first = await store.GetRowAsync<ReviewRow>(store.Reviews, row.PartitionKey, row.RowKey, ct);
            if (first is not null)
            {
                // The first submission's follow-up may not have happened (its host died): finishing it again is harmless.
                await relay.FinishAsync(id, first, assignment, client, ct);
            }

            if (await owed)
            {
                await relay.ForgetAsync(id, ct);
            }

            return new ReviewSubmission(SubmissionKind.Replay, [], first?.SubmittedAt);
        }

        if (await owed)
        {
            relay.Hand(id, row, assignment, client);
        }
        else
        {
            await relay.FinishAsync(id, row, assignment, client, ct);
        }

        return new ReviewSubmission(counted ? SubmissionKind.Counted : SubmissionKind.Late, []);
    }

    private static List<string> Validate(ReviewRequest body, BatchSettings settings)
    {
        var problems = new List<string>();
        if (body.Verdict is null)
        {
            problems.Add("Field \"verdict\" is missing: use \"accept\" or \"needs-revision\".");
        }

        if (body.Scores is null)
        {
            problems.Add($"Field \"scores\" is missing: give a score for {string.Join(", ", settings.Rubric.Select(c => c.Id))}.");
        }
        else
        {
            foreach (var criterion in settings.Rubric)
            {
                if (!body.Scores.TryGetValue(criterion.Id, out var score))
                {
                    problems.Add($"Score for \"{criterion.Id}\" is missing.");
                }
                else if (score < criterion.ScaleMin || score > criterion.ScaleMax)
                {
                    problems.Add($"Score for \"{criterion.Id}\" is {score}; the scale is {criterion.ScaleMin}–{criterion.ScaleMax}.");
                }
            }

            foreach (var unknown in body.Scores.Keys.Where(k => settings.Rubric.All(c => c.Id != k)))
            {
                problems.Add($"Score \"{Ids.Shorten(unknown)}\" is not a criterion of this batch's rubric.");
            }
        }

        foreach (var (key, text) in body.Comments ?? [])
        {
            if (key != GeneralComment && settings.Rubric.All(c => c.Id != key))
            {
                problems.Add($"Comment \"{Ids.Shorten(key)}\" is not a criterion of this batch's rubric (or \"{GeneralComment}\").");
            }
            else if (text?.Length > MaxCommentChars)
            {
                problems.Add($"Comment on \"{key}\" is {text.Length:N0} characters long; at most {MaxCommentChars:N0} are allowed.");
            }
        }

        if (body.Rewrite is { } rewrite && !string.IsNullOrWhiteSpace(rewrite))
        {
            if (rewrite.Length > settings.MaxRationaleChars)
            {
                problems.Add($"Field \"rewrite\" is {rewrite.Length:N0} characters long; at most {settings.MaxRationaleChars:N0} are allowed.");
            }
            else if (RationaleText.Split(rewrite).Count < settings.MinSteps)
            {
                problems.Add($"Field \"rewrite\" has fewer than {settings.MinSteps} steps; write one step per line.");
            }
        }

        return problems;
    }

    /// <summary><c>POST /api/adjudications</c>: the adjudicator's final text, or the item's exclusion with a reason.</summary>
    public async Task<IResult> SubmitAdjudicationAsync(HttpRequest request, DurableTaskClient client, CancellationToken ct)
    {
        var (body, error) = await BodyReader.ReadJsonAsync<AdjudicationRequest>(request, api.Value.MaxReviewBytes, ct);
        if (error is not null)
        {
            return error;
        }

        var idProblem = Ids.Problem(body!.BatchId, "field \"batchId\"") ?? Ids.Problem(body.ItemId, "field \"itemId\"")
            ?? Ids.Problem(body.AdjudicatorId, "field \"adjudicatorId\"");
        if (idProblem is not null)
        {
            return Problems.BadRequest(idProblem + ".");
        }

        var outcome = await DecideAsync(body, client, ct);
        return outcome.Kind switch
        {
            AdjudicationOutcomeKind.Invalid => Problems.BadRequest(outcome.Detail),
            AdjudicationOutcomeKind.NotFound => Problems.NotFound(outcome.Detail),
            AdjudicationOutcomeKind.NotAwaiting => Problems.Conflict("Item is not awaiting adjudication", outcome.Detail),
            AdjudicationOutcomeKind.AlreadyDecided => Problems.Conflict("Already adjudicated", outcome.Detail),
            _ => Results.Accepted($"/api/batches/{body.BatchId}/items/{body.ItemId}", new { body.BatchId, body.ItemId, decision = body.Decision }),
        };
    }

    /// <summary>
    /// Validates and stores an adjudicator's decision (once per item: the blob is created, never replaced) and raises it to the item:
    /// the one path of the JSON API and the adjudication page. Ids in <paramref name="body"/> must already be valid.
    /// </summary>
    public async Task<AdjudicationOutcome> DecideAsync(AdjudicationRequest body, DurableTaskClient client, CancellationToken ct)
    {
        await store.EnsureCreatedAsync();
        var item = await store.GetRowAsync<ItemRow>(store.Items, body.BatchId!, body.ItemId!, ct);
        if (item is null)
        {
            return new(AdjudicationOutcomeKind.NotFound, $"Batch \"{body.BatchId}\" has no item \"{body.ItemId}\".");
        }

        if (item.State != ItemState.Adjudication.Name())
        {
            return new(AdjudicationOutcomeKind.NotAwaiting, $"Item \"{body.ItemId}\" is {item.State}; only items at the strike cap are adjudicated.");
        }

        var settings = await store.ReadSettingsAsync(body.BatchId!, ct);
        var problem = body.Decision switch
        {
            null => "Field \"decision\" is missing: use \"accept\" (with \"finalText\") or \"exclude\" (with \"reason\").",
            AdjudicationDecision.Accept when string.IsNullOrWhiteSpace(body.FinalText) || RationaleText.Split(body.FinalText).Count < settings.MinSteps =>
                $"Field \"finalText\" must hold the final rationale, at least {settings.MinSteps} steps, one per line.",
            AdjudicationDecision.Accept when body.FinalText!.Length > settings.MaxRationaleChars =>
                $"Field \"finalText\" is {body.FinalText.Length:N0} characters long; at most {settings.MaxRationaleChars:N0} are allowed.",
            AdjudicationDecision.Exclude when string.IsNullOrWhiteSpace(body.Reason) => "Field \"reason\" is required to exclude an item.",
            _ when body.Reason?.Length > MaxCommentChars => $"Field \"reason\" is {body.Reason.Length:N0} characters long; at most {MaxCommentChars:N0} are allowed.",
            _ => null,
        };
        if (problem is not null)
        {
            return new(AdjudicationOutcomeKind.Invalid, problem);
        }

        var adjudication = new Adjudication(body.BatchId!, body.ItemId!, body.AdjudicatorId!, body.Decision!.Value,
            body.FinalText?.Trim(), body.Reason?.Trim(), clock.GetUtcNow());
        if (!await store.CreateJsonAsync(CotStore.AdjudicationPath(body.BatchId!, body.ItemId!), adjudication, ct))
        {
            // The item still waits (checked above), so the stored decision's event may never have reached it: raise that one again.
            await RequestAdjudication.RaiseStoredAsync(store, client, body.BatchId!, body.ItemId!, ct);

            return new(AdjudicationOutcomeKind.AlreadyDecided, $"Item \"{body.ItemId}\" already has an adjudication; it can be decided once.");
        }

        await client.RaiseEventAsync(Ids.ItemInstance(body.BatchId!, body.ItemId!), EventNames.AdjudicationSubmitted,
            new AdjudicationSubmitted(body.AdjudicatorId!, body.Decision.Value), ct);
        var assignmentId = new AssignmentId(body.BatchId!, body.ItemId!, RequestAdjudication.AdjudicationRound, body.AdjudicatorId!);
        if (await store.GetRowAsync<AssignmentRow>(store.Assignments, body.AdjudicatorId!, assignmentId.ToString(), ct) is { } assignment)
        {
            await store.MarkSubmittedAsync(assignmentId, assignment, ct);
        }

        return new(AdjudicationOutcomeKind.Decided, "");
    }
}
