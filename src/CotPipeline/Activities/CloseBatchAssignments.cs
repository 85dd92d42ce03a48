using CotPipeline.Models;
using CotPipeline.Operations;

namespace CotPipeline.Activities;

/// <summary>Closes every open assignment of a cancelled batch: the links answer "round closed" and the reviewers' workload drops.</summary>
public sealed class CloseBatchAssignments(ItemCanceller canceller)
{
    public Task<int> RunAsync(CloseBatchAssignmentsInput input) => canceller.CloseOpenAssignmentsAsync(input.BatchId, null, CancellationToken.None);
}
