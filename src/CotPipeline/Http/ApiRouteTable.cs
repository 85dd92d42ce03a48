namespace CotPipeline.Http;

/// <summary>
/// Every HTTP route of the API, below the <c>/api</c> prefix, in one place: the Functions app declares its triggers
/// with these constants, and tests check the Functions metadata and the local host's endpoints against <see cref="All"/>.
/// </summary>
public static class ApiRouteTable
{
    public const string Prefix = "api";

    public const string Batches = "batches";
    public const string Batch = "batches/{batchId}";
    public const string BatchItems = "batches/{batchId}/items";
    public const string BatchItem = "batches/{batchId}/items/{itemId}";
    public const string BatchCancel = "batches/{batchId}/cancel";
    public const string BatchItemCancel = "batches/{batchId}/items/{itemId}/cancel";
    public const string BatchItemRetry = "batches/{batchId}/items/{itemId}/retry";
    public const string BatchExports = "batches/{batchId}/exports";
    public const string BatchExportFile = "batches/{batchId}/exports/{exportId}/{file}";
    public const string Reviews = "reviews";
    public const string Adjudications = "adjudications";
    public const string Reviewers = "reviewers";
    public const string Reviewer = "reviewers/{reviewerId}";
    public const string Assignments = "assignments";
    public const string HistoryPurge = "maintenance/purge-histories";
    /// <summary>The reviewer's page behind an e-mailed link: the signed token is the key.</summary>
    public const string ReviewPage = "review/{token}";

    /// <summary>Each operator route with its HTTP method (lower case, as Functions metadata spells it); all need the operator key.</summary>
    public static readonly IReadOnlyList<(string Method, string Route)> All =
    [
        ("post", Batches),
        ("get", Batches),
        ("get", Batch),
        ("delete", Batch),
        ("post", BatchCancel),
        ("get", BatchItems),
        ("get", BatchItem),
        ("post", BatchItemCancel),
        ("post", BatchItemRetry),
        ("post", BatchExports),
        ("get", BatchExportFile),
        ("post", Reviews),
        ("post", Adjudications),
        ("post", Reviewers),
        ("get", Reviewers),
        ("get", Reviewer),
        ("patch", Reviewer),
        ("delete", Reviewer),
        ("get", Assignments),
        ("post", HistoryPurge),
    ];

    /// <summary>Routes reviewers reach from their e-mail, without an operator key (the link's signature authorises them).</summary>
    public static readonly IReadOnlyList<(string Method, string Route)> Public =
    [
        ("get", ReviewPage),
        ("post", ReviewPage),
    ];
}
