using System.Net.Mail;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
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

/// <summary>The fields <c>PATCH /api/reviewers/{reviewerId}</c> changes; those left out (or null) stay as they are.</summary>
public sealed record ReviewerPatch(
    string? Name = null,
    string? Email = null,
    List<string>? Departments = null,
    int? Capacity = null,
    bool? Adjudicator = null,
    bool? Active = null)
{
    /// <summary>Fields that are not reviewer fields (or not changeable, like the id): refused, never ignored silently.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Other { get; init; }
}

/// <summary>The reviewer registry and reviewers' assignments.</summary>
public sealed class ReviewerApi(CotStore store, IOptions<ApiOptions> api, TimeProvider clock)
{
    public const int MaxReviewersPerRequest = 1_000;

    private const string Changeable = "\"name\", \"email\", \"departments\", \"capacity\", \"adjudicator\" or \"active\"";

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
            var row = ToRow(entry.Reviewer!);
            await store.Reviewers.UpsertEntityAsync(row, TableUpdateMode.Replace, ct);
            store.ForgetRow(store.Reviewers, row.PartitionKey, row.RowKey);
        }

        // Routing uses the new registry from its next round (other instances' within RegistryLifetime).
        store.ForgetRegistry();
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

    /// <summary><c>GET /api/reviewers/{reviewerId}</c>: one reviewer and how many assignments it has open.</summary>
    public async Task<IResult> GetAsync(string reviewerId, CancellationToken ct)
    {
        if (Ids.Problem(reviewerId, "reviewer id") is { } problem)
        {
            return Problems.BadRequest(problem + ".");
        }

        await store.EnsureCreatedAsync();
        var row = await store.GetRowAsync<ReviewerRow>(store.Reviewers, ReviewerRow.Partition, reviewerId, ct);
        return row is null ? NoSuchReviewer(reviewerId) : await DetailAsync(row, ct);
    }

    /// <summary><c>PATCH /api/reviewers/{reviewerId}</c>: changes the fields the JSON object gives, after the same checks as an upsert.</summary>
    public async Task<IResult> UpdateAsync(string reviewerId, HttpRequest request, CancellationToken ct)
    {
        if (Ids.Problem(reviewerId, "reviewer id") is { } problem)
        {
            return Problems.BadRequest(problem + ".");
        }

        var (patch, error) = await BodyReader.ReadJsonAsync<ReviewerPatch>(request, api.Value.MaxReviewBytes, ct);
        if (error is not null)
        {
            return error;
        }

        var unknown = (patch!.Other ?? []).Keys.Select(field => field.Equals("id", StringComparison.OrdinalIgnoreCase)
            ? $"Field \"{field}\" cannot be changed: the reviewer id is the one in the URL."
            : $"Field \"{Ids.Shorten(field)}\" is not a reviewer field; send {Changeable}.").ToList();
        if (unknown.Count > 0)
        {
            return Problems.BadRequest(unknown[0], new Dictionary<string, object?> { ["errors"] = unknown });
        }

        return patch is { Name: null, Email: null, Departments: null, Capacity: null, Adjudicator: null, Active: null }
            ? Problems.BadRequest($"The body changes nothing; send one or more of {Changeable}.")
            : await ChangeAsync(reviewerId, patch, ct);
    }

    /// <summary>
    /// <c>DELETE /api/reviewers/{reviewerId}</c>: deactivates the reviewer. The row stays, because assignments and the
    /// audit trail refer to it; open assignments stay open, and no new ones are made.
    /// </summary>
    public async Task<IResult> DeactivateAsync(string reviewerId, CancellationToken ct) =>
        Ids.Problem(reviewerId, "reviewer id") is { } problem
            ? Problems.BadRequest(problem + ".")
            : await ChangeAsync(reviewerId, new ReviewerPatch(Active: false), ct);

    private async Task<IResult> ChangeAsync(string reviewerId, ReviewerPatch patch, CancellationToken ct)
    {
        await store.EnsureCreatedAsync();
        for (var attempt = 0; ; attempt++)
        {
            var row = await store.GetRowAsync<ReviewerRow>(store.Reviewers, ReviewerRow.Partition, reviewerId, ct);
            if (row is null)
            {
                return NoSuchReviewer(reviewerId);
            }

            var current = ReviewerDto.From(row);
            var changed = current with
            {
                Name = patch.Name ?? current.Name,
                Email = patch.Email ?? current.Email,
                Departments = patch.Departments ?? current.Departments,
                Capacity = patch.Capacity ?? current.Capacity,
                Adjudicator = patch.Adjudicator ?? current.Adjudicator,
                Active = patch.Active ?? current.Active,
            };
            var problems = Validate(changed).ToList();
            if (problems.Count > 0)
            {
                return Problems.BadRequest(problems[0] + ".", new Dictionary<string, object?> { ["errors"] = problems });
            }

            var updated = ToRow(changed);
            try
            {
                // Conditional on what was read, so two changes at once cannot undo each other's fields.
                await store.Reviewers.UpdateEntityAsync(updated, row.ETag, TableUpdateMode.Replace, ct);
                store.ForgetRow(store.Reviewers, updated.PartitionKey, updated.RowKey);
                store.ForgetRegistry();
                return await DetailAsync(updated, ct);
            }
            catch (RequestFailedException e) when (e.Status == 412 && attempt < 10)
            {
                // Another change got there first: apply this one to the row as it is now.
            }
        }
    }

    private async Task<IResult> DetailAsync(ReviewerRow row, CancellationToken ct)
    {
        var r = ReviewerDto.From(row);
        var openAssignments = await store.Workloads.CheckedOpenCountAsync(row.RowKey, clock.GetUtcNow(), ct);
        return Results.Json(new { r.Id, r.Name, r.Email, r.Departments, r.Capacity, r.Adjudicator, r.Active, openAssignments }, Json.Options);
    }

    private static IResult NoSuchReviewer(string reviewerId) => Problems.NotFound($"There is no reviewer \"{reviewerId}\".");

    /// <summary><c>GET /api/reviewers</c>.</summary>
    public async Task<IResult> ListAsync(CancellationToken ct)
    {
        await store.EnsureCreatedAsync();
        var reviewers = new List<ReviewerDto>();
        await foreach (var r in store.ReviewersAsync(ct))
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

        if (status is not (AssignmentStatus.Open or AssignmentStatus.Submitted or AssignmentStatus.Reassigned or AssignmentStatus.Closed or "all"))
        {
            return Problems.BadRequest($"Query parameter \"status\" is \"{Ids.Shorten(status)}\"; use open, submitted, reassigned, closed or all.");
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
