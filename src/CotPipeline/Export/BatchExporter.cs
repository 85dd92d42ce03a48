using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Blobs.Models;
using CotPipeline.Domain;
using CotPipeline.Storage;

namespace CotPipeline.Export;

/// <summary>
/// Exports a batch to <c>exports/{batchId}/{exportId}/</c>: the dataset, its training view, the items left out, the
/// agreement report and a dataset card. Items stream from the Items partition straight into the JSONL blobs; only
/// the scores (for the agreement report) and a few counts are kept. The batch's VerifiedItems rows are read in one pass beside
/// the items (both come in item-id order), and carry each verified item's counted reviews; only an item without a usable row
/// (not verified, finalised before the rows existed or carried reviews, or too large for one) has its reviews and blobs read
/// on its own — or, when such items are many, the batch's reviews in one more pass.
/// </summary>
public sealed class BatchExporter(CotStore store, TimeProvider clock)
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>
    /// Items whose artifacts are being read while an earlier one is written (items without a VerifiedItems row): enough to keep
    /// storage busy with a few round trips per item, few enough that memory stays a handful of items.
    /// </summary>
    private const int ReadAhead = 64;

    /// <summary>
    /// Items whose reviews may be read with one query each; beyond that one pass over the batch's reviews costs less (on Azurite
    /// every query scans the whole table).
    /// </summary>
    private const int MaxReviewQueries = 200;

    private static readonly string[] ItemColumns =
    [
        nameof(ItemRow.RowKey), nameof(ItemRow.Department), nameof(ItemRow.State), nameof(ItemRow.Round), nameof(ItemRow.FinalVersion), nameof(ItemRow.Reason),
    ];

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

        // Items are read ahead of the one being written, so their storage round trips overlap; lines keep the Items order.
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var ahead = new Queue<Task<StoredItem>>();
        try
        {
            await using var dataset = await OpenAsync(batchId, exportId, ExportFiles.Dataset, ct);
            await using var sft = await OpenAsync(batchId, exportId, ExportFiles.Sft, ct);
            await using var excluded = await OpenAsync(batchId, exportId, ExportFiles.Excluded, ct);
            await using var records = new BatchVerifiedItems(store, batchId, reading.Token);
            await using var reviews = await ReadsReviewsInPassAsync(batchId, records, ct) ? new BatchReviews(store, batchId, reading.Token) : null;
            async Task WriteNextAsync() => await WriteAsync(await ahead.Dequeue(), settings, pseudonyms, agreement, summary, dataset, sft, excluded, ct);

            // Only the columns the lines need, and none of the counter rows that follow the items (for a long batch, thousands).
            var items = store.Items.QueryAsync<ItemRow>(
                TableClient.CreateQueryFilter($"PartitionKey eq {batchId} and RowKey lt {ItemCounters.NonItemPrefix}"), maxPerPage: 1000, ItemColumns, ct)
                .PagesAheadAsync(ct);
            await foreach (var row in items)
            {
                var rounds = reviews is null ? null : await reviews.OfItemAsync(row.RowKey);
                ahead.Enqueue(ReadAsync(batchId, row, rounds, await records.OfItemAsync(row.RowKey), reading.Token));
                if (ahead.Count == ReadAhead)
                {
                    await WriteNextAsync();
                }
            }

            while (ahead.Count > 0)
            {
                await WriteNextAsync();
            }
        }
        finally
        {
            // Only a failure leaves reads in flight: stop them and let none go unobserved.
            await reading.CancelAsync();
            await Task.WhenAll(ahead.Cast<Task>()).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
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

    /// <summary>
    /// Whether the batch's reviews are read in one pass: when its VerifiedItems rows do not carry them (written before they
    /// did; the first row tells) or more than <see cref="MaxReviewQueries"/> items are not verified, so have no such row.
    /// </summary>
    private async Task<bool> ReadsReviewsInPassAsync(string batchId, BatchVerifiedItems records, CancellationToken ct)
    {
        if (await records.FirstAsync() is not { Rounds: not null })
        {
            return true;
        }

        var counts = await ItemCounters.ReadAsync(store.Items, batchId, ct);
        return counts.Where(c => c.Key != ItemState.Verified.Name()).Sum(c => c.Value) > MaxReviewQueries;
    }

    /// <summary>What the export needs of one item, read from storage; reviewers are still their ids here.</summary>
    private sealed record StoredItem(ItemRow Row, IReadOnlyList<ReviewedRound> Rounds, VerifiedRecords? Verified);

    /// <summary>The artifacts of a verified item: the pair, its final version, how the loop ended and each round's decision.</summary>
    private sealed record VerifiedRecords(QaItem Item, RationaleVersion Version, FinalRecord? Final, IReadOnlyList<RoundDecision?> Decisions);

    /// <summary>
    /// Reads what <paramref name="row"/>'s lines need. <paramref name="rounds"/> are the item's reviews from the batch's pass, or null
    /// without one: then they come from its VerifiedItems row, or from a query of the item's own reviews.
    /// </summary>
    private async Task<StoredItem> ReadAsync(
        string batchId, ItemRow row, IReadOnlyList<ReviewedRound>? rounds, VerifiedItem? record, CancellationToken ct)
    {
        var verified = row.State == ItemState.Verified.Name() ? row.FinalVersion : null;
        if (record?.Version.Version != verified)
        {
            record = null;
        }

        rounds ??= record?.Rounds ?? await ReviewedRounds.ReadAsync(store, batchId, row.RowKey, ct);
        if (verified is not { } finalVersion)
        {
            return new StoredItem(row, rounds, null);
        }

        if (record is not null)
        {
            // The decisions of the rounds reviewed, as the blobs below give them: none for a round without one.
            return new StoredItem(row, rounds, new VerifiedRecords(record.Item, record.Version, record.Final,
                [.. rounds.Select(r => record.Decisions.FirstOrDefault(d => d.Round == r.Round))]));
        }

        var item = await store.ReadItemAsync(batchId, row.RowKey, ct);
        var version = await store.ReadVersionAsync(batchId, row.RowKey, finalVersion, ct);
        var final = await store.ReadJsonAsync<FinalRecord>(CotStore.FinalPath(batchId, row.RowKey), ct);
        var decisions = new List<RoundDecision?>();
        foreach (var round in rounds)
        {
            decisions.Add(await store.ReadJsonAsync<RoundDecision>(CotStore.DecisionPath(batchId, row.RowKey, round.Round), ct));
        }

        return new StoredItem(row, rounds, new VerifiedRecords(item, version, final, decisions));
    }

    /// <summary>Writes one item's lines. Items are written in order, so reviewers get their pseudonyms in order of first appearance.</summary>
    private static async Task WriteAsync(
        StoredItem stored, BatchSettings settings, Pseudonyms pseudonyms, AgreementCollector agreement, ExportSummary summary,
        StreamWriter dataset, StreamWriter sft, StreamWriter excluded, CancellationToken ct)
    {
        var row = stored.Row;
        var rounds = stored.Rounds.Select(r => new ExportedRound(r.Round, r.Version,
            [.. r.Reviews.Select(review => new ExportedReview(pseudonyms.Of(review.ReviewerId), review.Verdict, review.Scores))], null)).ToList();
        foreach (var round in rounds)
        {
            agreement.Add(round.Round, row.Department, [.. round.Reviews.Select(r => (r.Reviewer, r.Scores))]);
        }

        if (stored.Verified is not { } verified)
        {
            var state = ItemStates.Parse(row.State);
            var reason = row.Reason ?? (state.IsFinal() ? row.State : $"still open ({row.State}) when exported");
            await WriteLineAsync(excluded, new ExcludedLine(row.RowKey, row.Department, row.State, reason, row.Round), ct);
            summary.AddExcluded(row.State);
            return;
        }

        var (item, version, final, decisions) = verified;
        var reviewRounds = rounds.Zip(decisions, (round, decision) =>
            round with { Decision = decision is null ? null : new ExportedDecision(decision.Outcome, decision.Medians, decision.Reasons) }).ToList();
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
