using System.Security.Cryptography;
using System.Text;
using CotPipeline.Http;
using CotPipeline.Options;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace CotLocal;

/// <summary>The same routes as the Functions app; each is one line that calls CotPipeline.</summary>
public static class ApiRoutes
{
    public static void MapCotApi(this WebApplication app)
    {
        var api = app.MapGroup("/" + ApiRouteTable.Prefix).AddEndpointFilter(RequireApiKey);
        api.MapPost(ApiRouteTable.Batches, (HttpRequest r, BatchApi a, DurableTaskClient c, CancellationToken ct) => a.SubmitAsync(r, c, ct));
        api.MapGet(ApiRouteTable.Batches, (BatchApi a, CancellationToken ct) => a.ListAsync(ct));
        api.MapGet(ApiRouteTable.Batch, (string batchId, BatchApi a, CancellationToken ct) => a.GetAsync(batchId, ct));
        api.MapDelete(ApiRouteTable.Batch, (string batchId, HttpRequest r, OperatorApi a, DurableTaskClient c, CancellationToken ct) => a.PurgeBatchAsync(batchId, r, c, ct));
        api.MapPost(ApiRouteTable.BatchCancel, (string batchId, OperatorApi a, DurableTaskClient c, CancellationToken ct) => a.CancelBatchAsync(batchId, c, ct));
        api.MapGet(ApiRouteTable.BatchItems, (string batchId, HttpRequest r, ItemApi a, CancellationToken ct) => a.ListItemsAsync(batchId, r, ct));
        api.MapGet(ApiRouteTable.BatchItem, (string batchId, string itemId, ItemApi a, CancellationToken ct) => a.GetItemAsync(batchId, itemId, ct));
        api.MapPost(ApiRouteTable.BatchItemCancel, (string batchId, string itemId, OperatorApi a, DurableTaskClient c, CancellationToken ct) => a.CancelItemAsync(batchId, itemId, c, ct));
        api.MapPost(ApiRouteTable.BatchItemRetry, (string batchId, string itemId, OperatorApi a, DurableTaskClient c, CancellationToken ct) => a.RetryItemAsync(batchId, itemId, c, ct));
        api.MapPost(ApiRouteTable.BatchExports, (string batchId, ExportApi a, CancellationToken ct) => a.ExportAsync(batchId, ct));
        api.MapGet(ApiRouteTable.BatchExportFile, (string batchId, string exportId, string file, ExportApi a, CancellationToken ct) => a.DownloadAsync(batchId, exportId, file, ct));
        api.MapPost(ApiRouteTable.Reviews, (HttpRequest r, ReviewApi a, DurableTaskClient c, CancellationToken ct) => a.SubmitReviewAsync(r, c, ct));
        api.MapPost(ApiRouteTable.Adjudications, (HttpRequest r, ReviewApi a, DurableTaskClient c, CancellationToken ct) => a.SubmitAdjudicationAsync(r, c, ct));
        api.MapPost(ApiRouteTable.Reviewers, (HttpRequest r, ReviewerApi a, CancellationToken ct) => a.UpsertAsync(r, ct));
        api.MapGet(ApiRouteTable.Reviewers, (ReviewerApi a, CancellationToken ct) => a.ListAsync(ct));
        api.MapGet(ApiRouteTable.Reviewer, (string reviewerId, ReviewerApi a, CancellationToken ct) => a.GetAsync(reviewerId, ct));
        api.MapPatch(ApiRouteTable.Reviewer, (string reviewerId, HttpRequest r, ReviewerApi a, CancellationToken ct) => a.UpdateAsync(reviewerId, r, ct));
        api.MapDelete(ApiRouteTable.Reviewer, (string reviewerId, ReviewerApi a, CancellationToken ct) => a.DeactivateAsync(reviewerId, ct));
        api.MapGet(ApiRouteTable.Assignments, (HttpRequest r, ReviewerApi a, CancellationToken ct) => a.ListAssignmentsAsync(r, ct));
        api.MapPost(ApiRouteTable.HistoryPurge, (HttpRequest r, OperatorApi a, DurableTaskClient c, CancellationToken ct) => a.PurgeHistoriesAsync(r, c, ct));

        // Reviewers have no key: the signed token in the route authorises the page.
        var pages = app.MapGroup("/" + ApiRouteTable.Prefix);
        pages.MapGet(ApiRouteTable.ReviewPage, (string token, ReviewPageApi a, CancellationToken ct) => a.ShowAsync(token, ct));
        pages.MapPost(ApiRouteTable.ReviewPage, (string token, HttpRequest r, ReviewPageApi a, DurableTaskClient c, CancellationToken ct) => a.SubmitAsync(token, r, c, ct));
    }

    /// <summary>Locally the operator key travels in <c>X-Api-Key</c> (Azure checks Functions keys instead).</summary>
    private static async ValueTask<object?> RequireApiKey(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var expected = context.HttpContext.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value.Key;
        if (string.IsNullOrEmpty(expected))
        {
            return await next(context);
        }

        var given = context.HttpContext.Request.Headers["X-Api-Key"].ToString();
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected)))
        {
            return Results.Problem("Send the operator key in the X-Api-Key header.", statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized");
        }

        return await next(context);
    }
}
