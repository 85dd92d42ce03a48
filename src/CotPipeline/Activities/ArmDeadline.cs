using CotPipeline.Models;
using CotPipeline.Storage;

namespace CotPipeline.Activities;

/// <summary>Arms the deadline of an item's next wait: the batch's deadline watch raises <see cref="DeadlineReached"/> to it when it is due.</summary>
public sealed class ArmDeadline(CotStore store)
{
    public Task RunAsync(ArmDeadlineInput input) =>
        ReviewDeadlines.ArmAsync(store, input.BatchId, input.ItemId, input.Round, input.Due);
}
