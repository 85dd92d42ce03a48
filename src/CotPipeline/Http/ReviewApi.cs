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
public sealed class ReviewApi(CotStore store, IOptions<ApiOptions> api, TimeProvider clock)
{
    /// <summary>Comment key for remarks that belong to no single criterion.</summary>
    public const string GeneralComment = "general";

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

        var settings = await store.ReadSettingsAsync(id.BatchId, ct);
        var problems = Validate(body, settings);
        if (problems.Count > 0)
        {
            return Problems.BadRequest(string.Join(" ", problems), new Dictionary<string, object?> { ["errors"] = problems });
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
        try
        {
            await store.Reviews.AddEntityAsync(row, ct);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var first = await store.GetRowAsync<ReviewRow>(store.Reviews, row.PartitionKey, row.RowKey, ct);
            if (first is { Counted: true })
            {
                // The first submission may have been stored without its event reaching the item: raising it again is harmless.
                await RaiseAsync(client, id, ct);
            }

            return Problems.Conflict("Review already submitted",
                $"A review for assignment \"{id}\" was already submitted at {first?.SubmittedAt:u}; a review can be submitted once.");
        }

        await store.Blob(CotStore.ReviewPath(id.BatchId, id.ItemId, id.Round, id.ReviewerId))
            .UploadAsync(BinaryData.FromString(row.ReviewJson), overwrite: true, ct);
        if (!counted)
        {
            return Results.Ok(new
            {
                assignmentId = id.ToString(),
                counted = false,
                message = "Thank you. This round had already closed when your review arrived: it is kept in the item's audit trail but not counted.",
            });
        }

        assignment.Status = AssignmentStatus.Submitted;
        await store.Assignments.UpdateEntityAsync(assignment, ETag.All, TableUpdateMode.Replace, ct);
        await RaiseAsync(client, id, ct);
        return Results.Accepted($"/api/batches/{id.BatchId}/items/{id.ItemId}", new { assignmentId = id.ToString(), counted = true });
    }

    private static Task RaiseAsync(DurableTaskClient client, AssignmentId id, CancellationToken ct) =>
        client.RaiseEventAsync(Ids.ItemInstance(id.BatchId, id.ItemId), EventNames.ReviewSubmitted,
            new ReviewSubmitted(id.ToString(), id.ReviewerId, id.Round), ct);

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

        await store.EnsureCreatedAsync();
        var item = await store.GetRowAsync<ItemRow>(store.Items, body.BatchId!, body.ItemId!, ct);
        if (item is null)
        {
            return Problems.NotFound($"Batch \"{body.BatchId}\" has no item \"{body.ItemId}\".");
        }

        if (item.State != ItemState.Adjudication.Name())
        {
            return Problems.Conflict("Item is not awaiting adjudication", $"Item \"{body.ItemId}\" is {item.State}; only items at the strike cap are adjudicated.");
        }

        var settings = await store.ReadSettingsAsync(body.BatchId!, ct);
        switch (body.Decision)
        {
            case null:
                return Problems.BadRequest("Field \"decision\" is missing: use \"accept\" (with \"finalText\") or \"exclude\" (with \"reason\").");
            case AdjudicationDecision.Accept when string.IsNullOrWhiteSpace(body.FinalText) || RationaleText.Split(body.FinalText).Count < settings.MinSteps:
                return Problems.BadRequest($"Field \"finalText\" must hold the final rationale, at least {settings.MinSteps} steps, one per line.");
            case AdjudicationDecision.Accept when body.FinalText!.Length > settings.MaxRationaleChars:
                return Problems.BadRequest($"Field \"finalText\" is {body.FinalText.Length:N0} characters long; at most {settings.MaxRationaleChars:N0} are allowed.");
            case AdjudicationDecision.Exclude when string.IsNullOrWhiteSpace(body.Reason):
                return Problems.BadRequest("Field \"reason\" is required to exclude an item.");
        }

        if (body.Reason?.Length > MaxCommentChars)
        {
            return Problems.BadRequest($"Field \"reason\" is {body.Reason.Length:N0} characters long; at most {MaxCommentChars:N0} are allowed.");
        }

        var adjudication = new Adjudication(body.BatchId!, body.ItemId!, body.AdjudicatorId!, body.Decision!.Value,
            body.FinalText?.Trim(), body.Reason?.Trim(), clock.GetUtcNow());
        if (!await store.CreateJsonAsync(CotStore.AdjudicationPath(body.BatchId!, body.ItemId!), adjudication, ct))
        {
            return Problems.Conflict("Already adjudicated", $"Item \"{body.ItemId}\" already has an adjudication; it can be decided once.");
        }

        await client.RaiseEventAsync(Ids.ItemInstance(body.BatchId!, body.ItemId!), EventNames.AdjudicationSubmitted,
            new AdjudicationSubmitted(body.AdjudicatorId!, body.Decision.Value), ct);
        var assignmentId = new AssignmentId(body.BatchId!, body.ItemId!, RequestAdjudication.AdjudicationRound, body.AdjudicatorId!).ToString();
        if (await store.GetRowAsync<AssignmentRow>(store.Assignments, body.AdjudicatorId!, assignmentId, ct) is { } assignment)
        {
            assignment.Status = AssignmentStatus.Submitted;
            await store.Assignments.UpdateEntityAsync(assignment, ETag.All, TableUpdateMode.Replace, ct);
        }

        return Results.Accepted($"/api/batches/{body.BatchId}/items/{body.ItemId}", new { body.BatchId, body.ItemId, decision = body.Decision });
    }
}
