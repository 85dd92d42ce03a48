namespace CotPipeline.Domain;

/// <summary>How an item's loop ended, stored as <c>items/{batchId}/{itemId}/final.json</c>.</summary>
public sealed record FinalRecord(ItemState State, int? FinalVersion, int Rounds, string? Reason, bool Adjudicated, DateTimeOffset DecidedAt);

/// <summary>A failed run of an item that the operator retried, stored as <c>items/{batchId}/{itemId}/retries/{n}.json</c>.</summary>
public sealed record RetryRecord(int Retry, FinalRecord? Failed, DateTimeOffset RetriedAt);
