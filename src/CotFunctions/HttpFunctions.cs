using CotPipeline.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace CotFunctions;

/// <summary>
/// The routes of <see cref="ApiRouteTable"/>, each handed to its CotPipeline handler. The ASP.NET Core integration
/// executes the returned <see cref="IResult"/> itself. Operator calls are authorised by Functions keys.
/// </summary>
public sealed class HttpFunctions(
    BatchApi batches, ItemApi items, OperatorApi operations, ExportApi exports, ReviewApi reviews, ReviewerApi reviewers, ReviewPageApi reviewPages)
{
    // Anonymous by design: the reviewer has no account and no key; the signed token in the route authorises the page.
    [Function("ShowReviewPage")]
    public Task<IResult> ShowReviewPage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRouteTable.ReviewPage)] HttpRequest req,
        string token, CancellationToken ct) => reviewPages.ShowAsync(token, ct);

    [Function("SubmitReviewPage")]
    public Task<IResult> SubmitReviewPage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiRouteTable.ReviewPage)] HttpRequest req,
        string token, [DurableClient] DurableTaskClient client, CancellationToken ct) => reviewPages.SubmitAsync(token, req, client, ct);

    [Function("SubmitBatch")]
    public Task<IResult> SubmitBatch(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRouteTable.Batches)] HttpRequest req,
        [DurableClient] DurableTaskClient client, CancellationToken ct) => batches.SubmitAsync(req, client, ct);

    [Function("ListBatches")]
    public Task<IResult> ListBatches(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRouteTable.Batches)] HttpRequest req,
        CancellationToken ct) => batches.ListAsync(ct);

    [Function("GetBatch")]
    public Task<IResult> GetBatch(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRouteTable.Batch)] HttpRequest req,
        string batchId, CancellationToken ct) => batches.GetAsync(batchId, ct);

    [Function("PurgeBatch")]
    public Task<IResult> PurgeBatch(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = ApiRouteTable.Batch)] HttpRequest req,
        string batchId, [DurableClient] DurableTaskClient client, CancellationToken ct) => operations.PurgeBatchAsync(batchId, req, client, ct);

    [Function("CancelBatchRequest")]
    public Task<IResult> CancelBatchRequest(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRouteTable.BatchCancel)] HttpRequest req,
        string batchId, [DurableClient] DurableTaskClient client, CancellationToken ct) => operations.CancelBatchAsync(batchId, client, ct);

    [Function("ListItems")]
    public Task<IResult> ListItems(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRouteTable.BatchItems)] HttpRequest req,
        string batchId, CancellationToken ct) => items.ListItemsAsync(batchId, req, ct);

    [Function("GetItem")]
    public Task<IResult> GetItem(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRouteTable.BatchItem)] HttpRequest req,
        string batchId, string itemId, CancellationToken ct) => items.GetItemAsync(batchId, itemId, ct);

    [Function("CancelItem")]
    public Task<IResult> CancelItem(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRouteTable.BatchItemCancel)] HttpRequest req,
        string batchId, string itemId, [DurableClient] DurableTaskClient client, CancellationToken ct) => operations.CancelItemAsync(batchId, itemId, client, ct);

    [Function("RetryItem")]
    public Task<IResult> RetryItem(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRouteTable.BatchItemRetry)] HttpRequest req,
        string batchId, string itemId, [DurableClient] DurableTaskClient client, CancellationToken ct) => operations.RetryItemAsync(batchId, itemId, client, ct);

    [Function("ExportBatch")]
    public Task<IResult> ExportBatch(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRouteTable.BatchExports)] HttpRequest req,
        string batchId, CancellationToken ct) => exports.ExportAsync(batchId, ct);

    [Function("DownloadExportFile")]
    public Task<IResult> DownloadExportFile(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRouteTable.BatchExportFile)] HttpRequest req,
        string batchId, string exportId, string file, CancellationToken ct) => exports.DownloadAsync(batchId, exportId, file, ct);

    [Function("SubmitReview")]
    public Task<IResult> SubmitReview(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRouteTable.Reviews)] HttpRequest req,
        [DurableClient] DurableTaskClient client, CancellationToken ct) => reviews.SubmitReviewAsync(req, client, ct);

    [Function("SubmitAdjudication")]
    public Task<IResult> SubmitAdjudication(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRouteTable.Adjudications)] HttpRequest req,
        [DurableClient] DurableTaskClient client, CancellationToken ct) => reviews.SubmitAdjudicationAsync(req, client, ct);

    [Function("UpsertReviewers")]
    public Task<IResult> UpsertReviewers(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRouteTable.Reviewers)] HttpRequest req,
        CancellationToken ct) => reviewers.UpsertAsync(req, ct);

    [Function("ListReviewers")]
    public Task<IResult> ListReviewers(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRouteTable.Reviewers)] HttpRequest req,
        CancellationToken ct) => reviewers.ListAsync(ct);

    [Function("GetReviewer")]
    public Task<IResult> GetReviewer(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRouteTable.Reviewer)] HttpRequest req,
        string reviewerId, CancellationToken ct) => reviewers.GetAsync(reviewerId, ct);

    [Function("UpdateReviewer")]
    public Task<IResult> UpdateReviewer(
        [HttpTrigger(AuthorizationLevel.Function, "patch", Route = ApiRouteTable.Reviewer)] HttpRequest req,
        string reviewerId, CancellationToken ct) => reviewers.UpdateAsync(reviewerId, req, ct);

    [Function("DeactivateReviewer")]
    public Task<IResult> DeactivateReviewer(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = ApiRouteTable.Reviewer)] HttpRequest req,
        string reviewerId, CancellationToken ct) => reviewers.DeactivateAsync(reviewerId, ct);

    [Function("ListAssignments")]
    public Task<IResult> ListAssignments(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRouteTable.Assignments)] HttpRequest req,
        CancellationToken ct) => reviewers.ListAssignmentsAsync(req, ct);

    [Function("PurgeHistories")]
    public Task<IResult> PurgeHistories(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRouteTable.HistoryPurge)] HttpRequest req,
        [DurableClient] DurableTaskClient client, CancellationToken ct) => operations.PurgeHistoriesAsync(req, client, ct);
}
