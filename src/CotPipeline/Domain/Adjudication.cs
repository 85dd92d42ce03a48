using CotPipeline.Models;

namespace CotPipeline.Domain;

/// <summary>An adjudicator's decision on an item at the strike cap, stored as <c>items/{batchId}/{itemId}/adjudication.json</c>.</summary>
public sealed record Adjudication(
    string BatchId,
    string ItemId,
    string AdjudicatorId,
    AdjudicationDecision Decision,
    string? FinalText,
    string? Reason,
    DateTimeOffset SubmittedAt);
