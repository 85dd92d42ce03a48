using System.Net.Mail;
using Azure.Data.Tables;
using CotPipeline.Domain;
using CotPipeline.Options;
using CotPipeline.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace CotPipeline.Http;

/// <summary>A reviewer as the registry API takes and shows it.</summary>
public sealed record ReviewerDto(
    string? Id,
    string? Name,
    string? Email,
    List<string>? Departments,
    int? Capacity,
    bool? Adjudicator,
    bool? Active);

/// <summary>The reviewer registry and reviewers' assignments.</summary>
public sealed class ReviewerApi(CotStore store, IOptions<ApiOptions> api)
{
    public const int MaxReviewersPerRequest = 1_000;

    /// <summary><c>POST /api/reviewers</c>: adds or updates reviewers (a JSON array); every bad entry is reported by index.</summary>
    public async Task<IResult> UpsertAsync(HttpRequest request, CancellationToken ct)
    {
        var (body, error) = await BodyReader.ReadJsonAsync<List<ReviewerDto>>(request, api.Value.MaxReviewBytes, ct);
        if (error is not null)
        {
            return error;
        }

        if (body!.Count is 0 or > MaxReviewersPerRequest)
        {
            return Problems.BadRequest($"Send between 1 and {MaxReviewersPerRequest} reviewers; got {body.Count}.");
        }

        var problems = body.SelectMany((r, i) => Validate(r).Select(p => $"reviewer {i + 1}: {p}")).ToList();
        foreach (var dup in body.Select((r, i) => (r?.Id, Index: i + 1)).GroupBy(r => r.Id).Where(g => g.Key is not null && g.Count() > 1))
        {
            problems.Add($"reviewers {string.Join(", ", dup.Select(d => d.Index))}: id \"{dup.Key}\" appears {dup.Count()} times");
        }

        if (problems.Count > 0)
        {
            return Problems.BadRequest($"{problems.Count} problem(s); nothing was stored. First: {problems[0]}",
                new Dictionary<string, object?> { ["errors"] = problems });
        }

        await store.EnsureCreatedAsync();
        foreach (var r in body)
        {
            await store.Reviewers.UpsertEntityAsync(new ReviewerRow
            {
                PartitionKey = ReviewerRow.Partition,
                RowKey = r.Id!,
                Name = r.Name!.Trim(),
                Email = r.Email!.Trim(),
                Departments = Departments.Join(r.Departments!),
                Capacity = r.Capacity ?? 50,
                IsAdjudicator = r.Adjudicator ?? false,
                Active = r.Active ?? true,
            }, TableUpdateMode.Replace, ct);
        }

        return Results.Ok(new { stored = body.Count });
    }

    private static IEnumerable<string> Validate(ReviewerDto? r)
    {
        if (r is null)
        {
            yield return "is null; send an object with \"id\", \"name\", \"email\" and \"departments\"";
            yield break;
        }

        if (Ids.Problem(r.Id, "\"id\"") is { } idProblem)
        {
            yield return idProblem;
        }

        if (string.IsNullOrWhiteSpace(r.Name) || r.Name.Length > 200)
        {
            yield return "\"name\" is required (at most 200 characters)";
        }

        if (string.IsNullOrWhiteSpace(r.Email) || r.Email.Length > 254 || !MailAddress.TryCreate(r.Email.Trim(), out var address)
            || address.Address != r.Email.Trim())
        {
            yield return $"\"email\" \"{Ids.Shorten(r.Email ?? "")}\" is not an e-mail address";
        }

        if (r.Departments is null || r.Departments.Count == 0 || r.Departments.Any(d => string.IsNullOrWhiteSpace(d) || d.Length > 64 || d.Contains('|')))
        {
            yield return "\"departments\" needs at least one department (at most 64 characters each, no '|'); \"*\" means any";
        }

        if (r.Capacity is < 1 or > 10_000)
        {
            yield return $"\"capacity\" is {r.Capacity}; between 1 and 10,000 open assignments are allowed";
        }
    }

    /// <summary><c>GET /api/reviewers</c>.</summary>
    public async Task<IResult> ListAsync(CancellationToken ct)
    {
        await store.EnsureCreatedAsync();
        var reviewers = new List<ReviewerDto>();
        await foreach (var r in CotStore.PartitionAsync<ReviewerRow>(store.Reviewers, ReviewerRow.Partition, ct))
        {
            reviewers.Add(new ReviewerDto(r.RowKey, r.Name, r.Email, Departments.Split(r.Departments).ToList(), r.Capacity, r.IsAdjudicator, r.Active));
        }

        return Results.Ok(reviewers);
    }

    /// <summary><c>GET /api/assignments?batchId=&amp;reviewerId=&amp;status=open</c>: assignments, open ones by default.</summary>
    public async Task<IResult> ListAssignmentsAsync(HttpRequest request, CancellationToken ct)
    {
        var batchId = request.Query["batchId"].ToString();
        var reviewerId = request.Query["reviewerId"].ToString();
        var status = request.Query["status"].ToString() is { Length: > 0 } s ? s : AssignmentStatus.Open;
        var problem = (batchId.Length > 0 ? Ids.Problem(batchId, "query parameter \"batchId\"") : null)
            ?? (reviewerId.Length > 0 ? Ids.Problem(reviewerId, "query parameter \"reviewerId\"") : null);
        if (problem is not null)
        {
            return Problems.BadRequest(problem + ".");
        }

        if (status is not (AssignmentStatus.Open or AssignmentStatus.Submitted or AssignmentStatus.Closed or "all"))
        {
            return Problems.BadRequest($"Query parameter \"status\" is \"{Ids.Shorten(status)}\"; use open, submitted, closed or all.");
        }

        var filters = new List<string>();
        if (reviewerId.Length > 0)
        {
            filters.Add(TableClient.CreateQueryFilter($"PartitionKey eq {reviewerId}"));
        }

        if (batchId.Length > 0)
        {
            filters.Add(TableClient.CreateQueryFilter($"BatchId eq {batchId}"));
        }

        if (status != "all")
        {
            filters.Add(TableClient.CreateQueryFilter($"Status eq {status}"));
        }

        await store.EnsureCreatedAsync();
        var assignments = new List<object>();
        await foreach (var a in store.Assignments.QueryAsync<AssignmentRow>(filters.Count == 0 ? null : string.Join(" and ", filters), cancellationToken: ct))
        {
            assignments.Add(new
            {
                assignmentId = a.RowKey,
                reviewerId = a.PartitionKey,
                a.BatchId,
                a.ItemId,
                a.Round,
                a.Version,
                a.Kind,
                a.Status,
                a.Deadline,
            });
        }

        return Results.Ok(assignments);
    }
}
