using System.Net.Mail;
using Azure.Data.Tables;
using CotPipeline.Options;
using CotPipeline.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace CotPipeline.Http;

/// <summary>A reviewer as the registry API takes and shows it.</summary>
public sealed record ReviewerDto(
    string? Id,
    string? Name,
    string? Email,
    List<string>? Departments,
    int? Capacity,
    bool? Adjudicator,
    bool? Active)
{
    public static ReviewerDto From(ReviewerRow row) =>
        new(row.RowKey, row.Name, row.Email, [.. Domain.Departments.Split(row.Departments)], row.Capacity, row.IsAdjudicator, row.Active);
}

/// <summary>The reviewer registry and reviewers' assignments.</summary>
public sealed class ReviewerApi(CotStore store, IOptions<ApiOptions> api)
{
    public const int MaxReviewersPerRequest = 1_000;

    /// <summary>
    /// <c>POST /api/reviewers</c>: adds or updates reviewers, a JSON array or (with <c>Content-Type: text/csv</c>) a CSV
    /// file; every bad entry is reported (by index, or by line for CSV) and nothing is stored when any is bad.
    /// </summary>
    public Task<IResult> UpsertAsync(HttpRequest request, CancellationToken ct) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var type) && type.MediaType.Equals("text/csv", StringComparison.OrdinalIgnoreCase)
            ? UpsertCsvAsync(request, type, ct)
            : UpsertJsonAsync(request, ct);

    private async Task<IResult> UpsertJsonAsync(HttpRequest request, CancellationToken ct)
    {
        var (body, error) = await BodyReader.ReadJsonAsync<List<ReviewerDto?>>(request, api.Value.MaxReviewBytes, ct);
        return error ?? await StoreAsync("reviewer", [.. body!.Select((r, i) => new Entry(i + 1, r,
            r is null ? ["is null; send an object with \"id\", \"name\", \"email\" and \"departments\""] : []))], ct);
    }

    private async Task<IResult> UpsertCsvAsync(HttpRequest request, MediaTypeHeaderValue type, CancellationToken ct)
    {
        if (type.Charset.HasValue && !type.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return Problems.UnsupportedMediaType($"The CSV is declared as charset \"{Ids.Shorten(type.Charset.ToString())}\"; send it as UTF-8.");
        }

        var (csv, tooLarge) = await BodyReader.ReadLimitedAsync(request, api.Value.MaxReviewBytes, ct);
        if (tooLarge is not null)
        {
            return tooLarge;
        }

        using (csv)
        {
            var parsed = ReviewerCsv.Parse(csv!.GetBuffer().AsSpan(0, (int)csv.Length));
            return parsed.HeaderErrors.Count > 0
                ? Refuse([.. parsed.HeaderErrors.Select(e => e.ToString())])
                : await StoreAsync("line", [.. parsed.Rows.Select(r => new Entry(r.Line, r.Reviewer, r.Problems))], ct);
        }
    }

    /// <summary>One reviewer of an upsert: where it is (index or line), what was read, and what could not be read.</summary>
    private sealed record Entry(int At, ReviewerDto? Reviewer, IReadOnlyList<string> Problems);

    private async Task<IResult> StoreAsync(string unit, IReadOnlyList<Entry> entries, CancellationToken ct)
    {
        if (entries.Count is 0 or > MaxReviewersPerRequest)
        {
            return Problems.BadRequest($"Send between 1 and {MaxReviewersPerRequest} reviewers; got {entries.Count}.");
        }

        var problems = entries
            .SelectMany(e => e.Problems.Concat(e.Reviewer is null ? [] : Validate(e.Reviewer)).Select(p => $"{unit} {e.At}: {p}"))
            .ToList();
        foreach (var dup in entries.Where(e => e.Reviewer?.Id is not null).GroupBy(e => e.Reviewer!.Id).Where(g => g.Count() > 1))
        {
            problems.Add($"{unit}s {string.Join(", ", dup.Select(d => d.At))}: id \"{dup.Key}\" appears {dup.Count()} times");
        }

        if (problems.Count > 0)
        {
            return Refuse(problems);
        }

        await store.EnsureCreatedAsync();
        foreach (var entry in entries)
        {
            await store.Reviewers.UpsertEntityAsync(ToRow(entry.Reviewer!), TableUpdateMode.Replace, ct);
        }

        return Results.Ok(new { stored = entries.Count });
    }

    private static IResult Refuse(List<string> problems) =>
        Problems.BadRequest($"{problems.Count} problem(s); nothing was stored. First: {problems[0]}",
            new Dictionary<string, object?> { ["errors"] = problems });

    /// <summary>The row of a valid reviewer; fields left out take their defaults.</summary>
    private static ReviewerRow ToRow(ReviewerDto r) => new()
    {
        PartitionKey = ReviewerRow.Partition,
        RowKey = r.Id!,
        Name = r.Name!.Trim(),
        Email = r.Email!.Trim(),
        Departments = Domain.Departments.Join(r.Departments!),
        Capacity = r.Capacity ?? 50,
        IsAdjudicator = r.Adjudicator ?? false,
        Active = r.Active ?? true,
    };

    /// <summary>What is wrong with a reviewer, each problem naming its field.</summary>
    private static IEnumerable<string> Validate(ReviewerDto r)
    {
        if (Ids.Problem(r.Id, "\"id\"") is { } idProblem)
        {
            yield return idProblem;
        }

        if (string.IsNullOrWhiteSpace(r.Name) || r.Name.Length > 200)
        {
            yield return "\"name\" is required (at most 200 characters)";
        }
        else if (r.Name.Any(char.IsControl))
        {
            yield return "\"name\" contains a line break or another control character";
        }

        if (string.IsNullOrWhiteSpace(r.Email) || r.Email.Length > 254 || !MailAddress.TryCreate(r.Email.Trim(), out var address)
            || address.Address != r.Email.Trim())
        {
            yield return $"\"email\" \"{Ids.Shorten(r.Email ?? "")}\" is not an e-mail address";
        }

        if (r.Departments is null || r.Departments.Count == 0 || !r.Departments.All(Domain.Departments.IsValidName))
        {
            yield return $"\"departments\" needs at least one department ({Domain.Departments.Rule}); \"*\" means any";
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
            reviewers.Add(ReviewerDto.From(r));
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
