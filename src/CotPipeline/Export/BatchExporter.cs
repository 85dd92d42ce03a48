using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs.Models;
using CotPipeline.Domain;
using CotPipeline.Storage;

namespace CotPipeline.Export;

/// <summary>
/// Exports a batch to <c>exports/{batchId}/{exportId}/</c>: the dataset, its training view, the items left out, the
/// agreement report and a dataset card. Items stream from the Items partition straight into the JSONL blobs; only
/// the scores (for the agreement report) and a few counts are kept.
/// </summary>
public sealed class BatchExporter(CotStore store, TimeProvider clock)
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>The agreement report writes undefined coefficients as explicit nulls, not as missing fields.</summary>
    private static readonly JsonSerializerOptions ReportJson = new(Json.Explicit) { WriteIndented = true };

    public async Task<ExportResult> ExportAsync(string batchId, CancellationToken ct)
    {
        await store.EnsureCreatedAsync();
        var settings = await store.ReadSettingsAsync(batchId, ct);
        var exportId = $"{clock.GetUtcNow():yyyyMMdd-HHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
        var pseudonyms = new Pseudonyms();
        var agreement = new AgreementCollector(settings.Rubric);
        var summary = new ExportSummary();

        await using (var dataset = await OpenAsync(batchId, exportId, ExportFiles.Dataset, ct))
        await using (var sft = await OpenAsync(batchId, exportId, ExportFiles.Sft, ct))
        await using (var excluded = await OpenAsync(batchId, exportId, ExportFiles.Excluded, ct))
        {
            await foreach (var row in CotStore.PartitionAsync<ItemRow>(store.Items, batchId, ct))
            {
                if (!ItemCounters.IsItem(row.RowKey))
                {
                    continue;
                }

                var rounds = await RoundsAsync(batchId, row.RowKey, pseudonyms, ct);
                foreach (var round in rounds)
                {
                    agreement.Add(round.Round, row.Department, [.. round.Reviews.Select(r => (r.Reviewer, r.Scores))]);
                }

                if (row.State == ItemState.Verified.Name() && row.FinalVersion is { } finalVersion)
                {
                    var item = await store.ReadItemAsync(batchId, row.RowKey, ct);
                    var version = await store.ReadVersionAsync(batchId, row.RowKey, finalVersion, ct);
                    var final = await store.ReadJsonAsync<FinalRecord>(CotStore.FinalPath(batchId, row.RowKey), ct);
                    var reviewRounds = await WithDecisionsAsync(batchId, row.RowKey, rounds, ct);
                    var line = new DatasetLine(
                        item.Id, item.Department, item.Question, item.Options, item.Answer,
                        new FinalRationale(version.Version, version.Source, version.Text, version.Steps, version.FinalAnswer,
                            version.AuthorId is { } author ? pseudonyms.Of(author) : null),
                        final?.Rounds ?? row.Round,
                        reviewRounds,
                        reviewRounds.LastOrDefault()?.Decision?.Outcome,
                        final?.Adjudicated ?? false,
                        version.Model ?? settings.Model,
                        version.PromptVersion ?? settings.PromptVersion);
                    await WriteLineAsync(dataset, line, ct);
                    await WriteLineAsync(sft, SftLine.From(item, version), ct);
                    summary.AddVerified(line);
                }
                else
                {
                    var state = ItemStates.Parse(row.State);
                    var reason = row.Reason ?? (state.IsFinal() ? row.State : $"still open ({row.State}) when exported");
                    await WriteLineAsync(excluded, new ExcludedLine(row.RowKey, row.Department, row.State, reason, row.Round), ct);
                    summary.AddExcluded(row.State);
                }
            }
        }

        var report = agreement.Build(batchId, exportId);
        await UploadAsync(batchId, exportId, ExportFiles.Agreement, JsonSerializer.Serialize(report, ReportJson), ct);
        await UploadAsync(batchId, exportId, ExportFiles.Card, DatasetCard.Write(batchId, exportId, settings, summary, report, pseudonyms.Count), ct);

        var files = new List<ExportedFile>();
        foreach (var (name, lines) in new[]
        {
            (ExportFiles.Dataset, (int?)summary.Verified), (ExportFiles.Sft, summary.Verified), (ExportFiles.Excluded, summary.NotVerified),
            (ExportFiles.Agreement, null), (ExportFiles.Card, null),
        })
        {
            var properties = await store.Blob(ExportFiles.Path(batchId, exportId, name)).GetPropertiesAsync(cancellationToken: ct);
            files.Add(new ExportedFile(name, properties.Value.ContentLength, lines));
        }

        return new ExportResult(batchId, exportId, files);
    }

    /// <summary>The counted reviews of an item, grouped by round (review rows sort by round, then reviewer).</summary>
    private async Task<List<ExportedRound>> RoundsAsync(string batchId, string itemId, Pseudonyms pseudonyms, CancellationToken ct)
    {
        var rounds = new List<ExportedRound>();
        var reviews = new List<ExportedReview>();
        await foreach (var row in CotStore.PartitionAsync<ReviewRow>(store.Reviews, ReviewRow.PartitionFor(batchId, itemId), ct))
        {
            if (!row.Counted)
            {
                continue;
            }

            var review = Json.Deserialize<Review>(row.ReviewJson);
            if (rounds.Count == 0 || rounds[^1].Round != review.Round)
            {
                reviews = [];
                rounds.Add(new ExportedRound(review.Round, review.Version, reviews, null));
            }

            reviews.Add(new ExportedReview(pseudonyms.Of(review.ReviewerId), review.Verdict, review.Scores));
        }

        return rounds;
    }

    private async Task<List<ExportedRound>> WithDecisionsAsync(string batchId, string itemId, List<ExportedRound> rounds, CancellationToken ct)
    {
        var decided = new List<ExportedRound>();
        foreach (var round in rounds)
        {
            var decision = await store.ReadJsonAsync<RoundDecision>(CotStore.DecisionPath(batchId, itemId, round.Round), ct);
            decided.Add(round with { Decision = decision is null ? null : new ExportedDecision(decision.Outcome, decision.Medians, decision.Reasons) });
        }

        return decided;
    }

    private async Task<StreamWriter> OpenAsync(string batchId, string exportId, string file, CancellationToken ct)
    {
        var stream = await store.Blob(ExportFiles.Path(batchId, exportId, file)).OpenWriteAsync(overwrite: true,
            new BlobOpenWriteOptions { HttpHeaders = new BlobHttpHeaders { ContentType = ExportFiles.ContentTypes[file] } }, ct);
        return new StreamWriter(stream, Utf8) { NewLine = "\n" };
    }

    private static async Task WriteLineAsync<T>(StreamWriter writer, T line, CancellationToken ct)
    {
        await writer.WriteAsync(Json.Serialize(line).AsMemory(), ct);
        await writer.WriteAsync("\n".AsMemory(), ct);
    }

    private async Task UploadAsync(string batchId, string exportId, string file, string text, CancellationToken ct) =>
        await store.Blob(ExportFiles.Path(batchId, exportId, file)).UploadAsync(BinaryData.FromString(text),
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = ExportFiles.ContentTypes[file] } }, ct);
}
