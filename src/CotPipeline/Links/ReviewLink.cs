using CotPipeline.Storage;

namespace CotPipeline.Links;

/// <summary>What a review link grants: one reviewer's assignment (batch, item, round, reviewer) until an expiry, under a link id.</summary>
/// <param name="Assignment">The assignment the link opens; it carries the batch, item, round and reviewer.</param>
/// <param name="ExpiresAt">When the link stops working; stored to the whole second (UTC), fractions are dropped.</param>
/// <param name="LinkId">Identifies this link among the links sent for the same assignment, so one can be revoked or replays spotted.</param>
public sealed record ReviewLink(AssignmentId Assignment, DateTimeOffset ExpiresAt, string LinkId)
{
    public string BatchId => Assignment.BatchId;

    public string ItemId => Assignment.ItemId;

    public int Round => Assignment.Round;

    public string ReviewerId => Assignment.ReviewerId;
}
