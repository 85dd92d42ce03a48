namespace CotPipeline.Domain;

/// <summary>Where an item stands in the review loop; the same words appear in the Items table and the API.</summary>
public enum ItemState
{
    Pending,
    Drafting,
    AwaitingReviewer,
    InReview,
    Revising,
    Adjudication,
    Verified,
    Excluded,
    Failed,
    /// <summary>Stopped by the operator (<c>POST …/cancel</c>) before its loop ended.</summary>
    Cancelled,
}

/// <summary>Helpers over <see cref="ItemState"/>.</summary>
public static class ItemStates
{
    /// <summary>True when the item's loop has ended and nothing more will happen to it.</summary>
    public static bool IsFinal(this ItemState state) =>
        state is ItemState.Verified or ItemState.Excluded or ItemState.Failed or ItemState.Cancelled;

    /// <summary>
    /// True for a state in which an item waits on the pipeline, not on a person (in review, adjudication) and has not ended:
    /// an item that stays in one for long is stuck.
    /// </summary>
    public static bool WaitsOnPipeline(this ItemState state) =>
        !state.IsFinal() && state is not (ItemState.InReview or ItemState.Adjudication);

    /// <summary>The state as stored and shown: "awaiting-reviewer", "in-review", …</summary>
    public static string Name(this ItemState state) => System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(state.ToString());

    public static ItemState Parse(string name) =>
        Enum.GetValues<ItemState>().FirstOrDefault(s => s.Name() == name, ItemState.Pending);
}
