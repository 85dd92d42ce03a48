using System.Buffers.Text;
using System.Text;
using Azure.Data.Tables;
using CotPipeline.Domain;
using CotPipeline.Mail;
using CotPipeline.Models;
using CotPipeline.Storage;
using Microsoft.AspNetCore.Http;

namespace CotPipeline.Http;

/// <summary>Operator routes for a batch's items: a page of them, and one item's whole audit trail.</summary>
public sealed class ItemApi(CotStore store)
{
    /// <summary>
    /// <c>GET /api/batches/{batchId}/items?state=&amp;pageSize=&amp;continuation=</c>: one page of the batch's items in id order,
    /// optionally in one state, and the continuation of the next page (null on the last).
    /// </summary>
    public async Task<IResult> ListItemsAsync(string batchId, HttpRequest request, CancellationToken ct)
    {
        if (Ids.Problem(batchId, "batch id") is { } problem)
        {
            return Problems.BadRequest(problem + ".");
        }

        var state = request.Query["state"].ToString();
        if (state.Length > 0 && Enum.GetValues<ItemState>().All(s => s.Name() != state))
        {
            return Problems.BadRequest(
                $"Query parameter \"state\" is \"{Ids.Shorten(state)}\"; use one of {string.Join(", ", Enum.GetValues<ItemState>().Select(s => s.Name()))}.");
        }

        var (pageSize, after, paging) = ItemPages.Parse(request.Query["pageSize"].ToString(), request.Query["continuation"].ToString());
        if (paging is not null)
        {
            return Problems.BadRequest(paging);
        }

        await store.EnsureCreatedAsync();
        if (await store.GetRowAsync<BatchRow>(store.Batches, BatchRow.Partition, batchId, ct) is null)
        {
            return Problems.NotFound($"There is no batch \"{batchId}\".");
        }

        // Items sort before every counter row ('~'); a state is a filter on a non-key property, so a sparse state may read
        // several Table pages to fill one of ours.
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {batchId} and RowKey gt {after ?? ""} and RowKey lt {ItemCounters.NonItemPrefix}");
        if (state.Length > 0)
        {
            filter += " and " + TableClient.CreateQueryFilter($"State eq {state}");
        }

        var rows = new List<ItemRow>(pageSize + 1);
        await foreach (var row in store.Items.QueryAsync<ItemRow>(filter, maxPerPage: Math.Min(pageSize + 1, 1000), cancellationToken: ct))
        {
            rows.Add(row);
            if (rows.Count > pageSize)
            {
                break;
            }
        }

        var more = rows.Count > pageSize;
        var items = rows.Take(pageSize).Select(row => new
        {
            itemId = row.RowKey, row.Department, row.State, row.Round, row.CurrentVersion, row.Strikes, row.FinalVersion, row.Reason, row.UpdatedAt,
        });
        return Results.Ok(new { batchId, items, continuation = more ? ItemPages.Continuation(rows[pageSize - 1].RowKey) : null });
    }

    /// <summary>
    /// <c>GET /api/batches/{batchId}/items/{itemId}</c>: the item's audit trail — the pair, every version (source, author,
    /// parent, critique, model, prompt version, tokens, time), every review, every round's decision, its assignments, the
    /// e-mails sent for them, the failed runs the operator retried, and how it ended. Fields without a value are written as null.
    /// </summary>
    public async Task<IResult> GetItemAsync(string batchId, string itemId, CancellationToken ct)
    {
        var (row, problem) = await FindAsync(store, batchId, itemId, ct);
        if (row is null)
        {
            return problem!;
        }

        var versions = new List<RationaleVersion>();
        for (var v = 1; v <= row.CurrentVersion + 1; v++)
        {
            if (await store.ReadJsonAsync<RationaleVersion>(CotStore.VersionPath(batchId, itemId, v), ct) is { } version)
            {
                versions.Add(version);
            }
        }

        var reviews = new List<object>();
        await foreach (var review in CotStore.PartitionAsync<ReviewRow>(store.Reviews, ReviewRow.PartitionFor(batchId, itemId), ct))
        {
            reviews.Add(new { review = Json.Deserialize<Review>(review.ReviewJson), counted = review.Counted });
        }

        var decisions = new List<RoundDecision>();
        for (var r = 1; r <= row.Round; r++)
        {
            if (await store.ReadJsonAsync<RoundDecision>(CotStore.DecisionPath(batchId, itemId, r), ct) is { } decision)
            {
                decisions.Add(decision);
            }
        }

        var retries = new List<RetryRecord>();
        for (var n = 1; n <= row.Retries; n++)
        {
            if (await store.ReadJsonAsync<RetryRecord>(CotStore.RetryPath(batchId, itemId, n), ct) is { } retry)
            {
                retries.Add(retry);
            }
        }

        return Results.Json(new
        {
            batchId,
            itemId,
            state = row.State,
            row.Round,
            row.CurrentVersion,
            row.Strikes,
            row.FinalVersion,
            row.Reason,
            row.UpdatedAt,
            item = await store.ReadJsonAsync<QaItem>(CotStore.ItemPath(batchId, itemId), ct),
            versions = versions.Select(v => new { v.Version, v.Source, v.ParentVersion, v.CritiqueRound, v.Critique, v.AuthorId, v.Model, v.PromptVersion, v.Tokens, v.CreatedAt, v.FinalAnswer, v.Steps, text = v.Text }),
            reviews,
            decisions,
            assignments = await AssignmentsAsync(batchId, itemId, ct),
            emails = await EmailsAsync(batchId, itemId, ct),
            retries,
            final = await store.ReadJsonAsync<FinalRecord>(CotStore.FinalPath(batchId, itemId), ct),
        }, Json.Explicit);
    }

    /// <summary>The Items row of an item named in a route, or the answer when the ids are not valid (400) or name no item (404).</summary>
    internal static async Task<(ItemRow? Row, IResult? Problem)> FindAsync(CotStore store, string batchId, string itemId, CancellationToken ct)
    {
        if ((Ids.Problem(batchId, "batch id") ?? Ids.Problem(itemId, "item id")) is { } problem)
        {
            return (null, Problems.BadRequest(problem + "."));
        }

        await store.EnsureCreatedAsync();
        return await store.GetRowAsync<ItemRow>(store.Items, batchId, itemId, ct) is { } row
            ? (row, null)
            : (null, Problems.NotFound($"Batch \"{batchId}\" has no item \"{itemId}\"."));
    }

    /// <summary>
    /// The item's assignments, oldest first. Assignments are keyed by reviewer, so this filters non-key properties across
    /// partitions: acceptable for one item's view, which is opened one at a time (never for a listing).
    /// </summary>
    private async Task<List<object>> AssignmentsAsync(string batchId, string itemId, CancellationToken ct)
    {
        var rows = new List<AssignmentRow>();
        await foreach (var a in store.Assignments.QueryAsync<AssignmentRow>(
            TableClient.CreateQueryFilter($"BatchId eq {batchId} and ItemId eq {itemId}"), cancellationToken: ct))
        {
            rows.Add(a);
        }

        return rows.OrderBy(a => a.CreatedAt).ThenBy(a => a.RowKey, StringComparer.Ordinal).Select(a => (object)new
        {
            assignmentId = a.RowKey,
            reviewerId = a.PartitionKey,
            a.Kind,
            a.Round,
            a.Version,
            a.Status,
            a.CreatedAt,
            a.Deadline,
            a.Reminders,
        }).ToList();
    }

    /// <summary>
    /// The e-mails sent for the item's assignments, from their rows of MailSent (one key range of the batch's partition) and the
    /// marker blobs of those sent before such rows existed, in the order they were sent.
    /// </summary>
    private async Task<List<object>> EmailsAsync(string batchId, string itemId, CancellationToken ct)
    {
        var emails = new List<(string AssignmentId, MailKind Kind, int Sequence, MailSentMarker Marker)>();
        var from = CotStore.MailSentKeyPrefix(batchId, itemId);
        var rows = store.MailSent.QueryAsync<MailSentRow>(
            TableClient.CreateQueryFilter($"PartitionKey eq {batchId} and RowKey ge {from} and RowKey lt {ItemCounters.Successor(from)}"), cancellationToken: ct);
        await foreach (var row in rows)
        {
            if (CotStore.TryParseMailSentKey(row.RowKey, out var assignment, out var kind, out var sequence))
            {
                emails.Add((assignment.ToString(), kind, sequence, new MailSentMarker(row.MessageId, row.SentAt)));
            }
        }

        await foreach (var name in store.BlobNamesAsync(CotStore.MailPrefix(batchId, itemId), ct))
        {
            if (CotStore.TryParseMailSentPath(name, out var assignment, out var kind, out var sequence)
                && await store.ReadJsonAsync<MailSentMarker>(name, ct) is { } marker)
            {
                emails.Add((assignment.ToString(), kind, sequence, marker));
            }
        }

        return emails.OrderBy(e => e.Marker.SentAt).ThenBy(e => e.AssignmentId, StringComparer.Ordinal).Select(e => (object)new
        {
            assignmentId = e.AssignmentId,
            kind = e.Kind,
            sequence = e.Sequence,
            messageId = e.Marker.MessageId,
            sentAt = e.Marker.SentAt,
        }).ToList();
    }
}

/// <summary>
/// The paging of <c>GET /api/batches/{batchId}/items</c>. A continuation is opaque to clients: base64url of the last item id
/// of the page (items are listed in id order), so the next page starts after it.
/// </summary>
public static class ItemPages
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;

    /// <summary>The page size and the item id to continue after, or why the query parameters are not valid.</summary>
    public static (int PageSize, string? After, string? Problem) Parse(string pageSize, string continuation)
    {
        var size = DefaultPageSize;
        if (pageSize.Length > 0 && (!int.TryParse(pageSize, System.Globalization.NumberStyles.None, null, out size) || size is < 1 or > MaxPageSize))
        {
            return (0, null, $"Query parameter \"pageSize\" is \"{Ids.Shorten(pageSize)}\"; use a whole number from 1 to {MaxPageSize} (default {DefaultPageSize}).");
        }

        if (continuation.Length == 0)
        {
            return (size, null, null);
        }

        var after = Base64Url.IsValid(continuation) ? Encoding.UTF8.GetString(Base64Url.DecodeFromChars(continuation)) : null;
        return Ids.IsValid(after)
            ? (size, after, null)
            : (0, null, $"Query parameter \"continuation\" \"{Ids.Shorten(continuation)}\" is not one this API returned; send the \"continuation\" of the previous page as it was, or none for the first page.");
    }

    public static string Continuation(string lastItemId) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(lastItemId));
}
