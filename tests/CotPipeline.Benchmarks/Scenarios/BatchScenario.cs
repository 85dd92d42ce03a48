using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using CotPipeline.Benchmarks.Measure;
using CotPipeline.Benchmarks.Seeding;
using CotPipeline.Domain;
using CotPipeline.Http;
using CotPipeline.IntegrationTests.Infrastructure;
using CotPipeline.Links;
using CotPipeline.Operations;
using CotPipeline.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CotPipeline.Benchmarks.Scenarios;

/// <summary>
/// A whole batch through the real pipeline on the in-memory engine: intake (<see cref="BatchApi.SubmitAsync"/>), every real
/// activity against Azurite with the offline LLM, review e-mails, and reviewers who open the link in each e-mail and submit
/// through the public review path (<see cref="ReviewApi.SubmitAsync"/>); 30% of the items are sent back once. The e-mails go to
/// an in-process SMTP sink instead of a mail server (<see cref="SmtpSink"/>): the mailer, its markers and the links are real.
/// Measures the time from upload to the last item finished and this process's peak memory (engine, activities, reviewers).
/// </summary>
internal sealed class BatchScenario : IScenario
{
    private const int FullBatch = 31_247;
    private const double GoalMinutes = 15;
    private const double GoalMiB = 1024;
    public const int Reviewers = 50;
    private const string BatchId = "bench-batch";

    public string Name => "batch";

    /// <summary>Small enough to finish in minutes here; the goal is for 31,247 pairs, so the figure is projected linearly to it.</summary>
    public int DefaultPairs => 2_000;

    public bool NeedsManyProcessors => true;

    public string Goal => $"minutes-for-{FullBatch}<={GoalMinutes:0},peak-MiB<={GoalMiB:0}";

    public Task<Outcome> RunAsync(int pairs, Report report, CancellationToken ct) =>
        Fixtures.WithAsync(new AzuriteFixture { ServicePerProcess = !Fixtures.AzuriteOneProcess }, azurite => MeasureAsync(azurite, pairs, report, ct));

    private static async Task<Outcome> MeasureAsync(AzuriteFixture azurite, int pairs, Report report, CancellationToken ct)
    {
        await using var mail = new SmtpSink();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(Settings(azurite.ConnectionString, mail.Port)).Build();

        // As in the overhead scenario: the in-memory host's sidecar would log every gRPC request to the console.
        Environment.SetEnvironmentVariable("Logging__LogLevel__Default", "Warning");
        await using var host = await InMemoryEngine.StartAsync(registry => registry.AddCotTasks(), new DurableTaskTestHostOptions
        {
            ConfigureServices = services => services.AddSingleton<IConfiguration>(configuration).AddCotPipeline(configuration),
        }, ct);
        var store = host.Services.GetRequiredService<CotStore>();
        await store.EnsureCreatedAsync();
        await AddReviewersAsync(store, ct);

        report.Line(azurite.ServicePerProcess
            ? "Azurite: blob, queue and table each in a process of its own (COTBENCH_AzuriteOneProcess=true: one process for all three)"
            : "Azurite: one process for blob, queue and table");
        report.Line($"{Reviewers} reviewers; e-mails go to an in-process SMTP sink (port {mail.Port}), not a mail server");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var outcomes = new ConcurrentDictionary<SubmissionKind, int>();
        var reviewing = ReviewFromMailAsync(host.Services, host.Client, mail, outcomes, stop.Token);
        var purged = new StrongBox<long>();
        var purging = PurgeEndedAsync(host.Services.GetRequiredService<HistoryJanitor>(), host.Client, purged, stop.Token);

        var clock = Stopwatch.StartNew();
        await using var memory = MemoryWatch.Start(Environment.ProcessId);
        var cpu = CpuTime.Start();
        using var calls = new StorageCalls();
        await SubmitAsync(host.Services, host.Client, BatchId, pairs, ct);
        report.Line($"intake of {pairs:N0} pairs took {clock.Elapsed.TotalSeconds:0.0} s");
        await WaitFinishedAsync(store, BatchId, pairs, outcomes, report, ct);
        clock.Stop();
        var (selfCpu, childCpu) = cpu.Read();
        await memory.StopAsync();
        await stop.CancelAsync();
        await reviewing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await purging.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        var minutes = clock.Elapsed.TotalMinutes;
        var projected = minutes * FullBatch / pairs;
        report.Line($"{pairs:N0} pairs from upload to all finished in {minutes:0.0} min ({pairs / clock.Elapsed.TotalSeconds:0.0} pairs/s); {memory.Describe()}");
        report.Line($"engine histories of {purged.Value:N0} ended items purged during the run (every {PurgeEvery.TotalSeconds:0} s, those started over {PurgeOlderThan.TotalSeconds:0} s before)");
        report.Line($"CPU per pair: this process {1000 * selfCpu / pairs:0} ms, {string.Join(", ", childCpu.Select(c => $"{c.Name} {1000 * c.Seconds / pairs:0} ms"))}");
        report.Line($"storage calls per pair: {(double)calls.Total / pairs:0.0} ({string.Join(", ", calls.Counts.OrderByDescending(c => c.Value).Select(c => $"{c.Key} {(double)c.Value / pairs:0.00}"))})");
        report.Line($"storage requests per pair by target: {string.Join(", ", calls.ByTarget.OrderByDescending(c => c.Value).Where(c => c.Value * 50 >= pairs).Select(c => $"{c.Key} {(double)c.Value / pairs:0.00}"))}");

        report.Line($"reviews: {string.Join(", ", outcomes.Select(o => $"{o.Key} {o.Value:N0}"))}; {FullBatch:N0} pairs at this rate: {projected:0} min (linear projection)");
        return new Outcome($"minutes[N={pairs}]={minutes:0.0},projected-{FullBatch}={projected:0},peak-MiB={memory.PeakMiB:0}",
            projected <= GoalMinutes && memory.PeakMiB <= GoalMiB);
    }

    /// <summary>
    /// How often the run purges ended items' engine histories (<see cref="PurgeOlderThan"/> and older): the in-memory engine holds
    /// every history in this process (about 20 KB per pair, 600 MB for the whole batch), where the Functions app's and local host's
    /// engines keep them in storage. So the scenario does what the hosts' schedule does (<see cref="HistoryJanitor"/>, hourly, retention
    /// <c>Maintenance:HistoryRetention</c>), at the pace of a run that lasts minutes.
    /// </summary>
    private static readonly TimeSpan PurgeEvery = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan PurgeOlderThan = TimeSpan.FromMinutes(1);

    private static async Task PurgeEndedAsync(HistoryJanitor janitor, DurableTaskClient client, StrongBox<long> purged, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(PurgeEvery);
        while (await timer.WaitForNextTickAsync(ct))
        {
            purged.Value += (await janitor.PurgeAsync(client, PurgeOlderThan, ct)).Purged;
        }
    }

    /// <summary>Polls the batch's item counters until all <paramref name="pairs"/> items are verified, excluded or failed.</summary>
    public static async Task WaitFinishedAsync(
        CotStore store, string batchId, int pairs, ConcurrentDictionary<SubmissionKind, int> outcomes, Report report, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        while (true)
        {
            var counts = await ItemCounters.ReadAsync(store.Items, batchId, ct);
            var finished = counts[ItemState.Verified.Name()] + counts[ItemState.Excluded.Name()] + counts[ItemState.Failed.Name()];
            if (finished == pairs)
            {
                return;
            }

            if (clock.Elapsed - lastReport > TimeSpan.FromSeconds(30))
            {
                lastReport = clock.Elapsed;
                report.Line($"{finished:N0} of {pairs:N0} finished ({string.Join(", ", counts.Where(c => c.Value > 0).Select(c => $"{c.Key} {c.Value:N0}"))}); reviews {string.Join(", ", outcomes.Select(o => $"{o.Key} {o.Value:N0}"))}");
            }

            await Task.Delay(2000, ct);
        }
    }

    /// <summary>The pipeline's settings for a scenario: Azurite, the offline LLM, e-mail to an <see cref="SmtpSink"/>.</summary>
    public static Dictionary<string, string?> Settings(string storageConnectionString, int smtpPort) => new()
    {
        ["Storage:ConnectionString"] = storageConnectionString,
        ["Llm:Provider"] = "Offline",
        ["ReviewLinks:SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        ["ReviewLinks:PublicBaseUrl"] = "http://localhost:7071",
        ["Smtp:Host"] = "127.0.0.1",
        ["Smtp:Port"] = smtpPort.ToString(),
        ["Smtp:From"] = "CoT review <review@cot.bench>",
    };

    /// <summary>The <see cref="Reviewers"/> registered reviewers, of every department and with room for any workload.</summary>
    public static async Task AddReviewersAsync(CotStore store, CancellationToken ct)
    {
        foreach (var i in Enumerable.Range(1, Reviewers))
        {
            await store.Reviewers.UpsertEntityAsync(new ReviewerRow
            {
                PartitionKey = ReviewerRow.Partition, RowKey = $"rev{i:D3}", Name = $"Reviewer {i}", Email = $"rev{i:D3}@example.org",
                Departments = "*", Capacity = 10_000,
            }, cancellationToken: ct);
        }
    }

    /// <summary>The upload, as <c>POST /api/batches?batchId=…</c> would hand it to the handler.</summary>
    public static async Task SubmitAsync(IServiceProvider services, DurableTaskClient client, string batchId, int pairs, CancellationToken ct)
    {
        var http = new DefaultHttpContext();
        var body = Encoding.UTF8.GetBytes(Pairs.Jsonl(pairs));
        http.Request.QueryString = QueryString.Create("batchId", batchId);
        http.Request.ContentType = "application/x-ndjson";
        http.Request.ContentLength = body.Length;
        http.Request.Body = new MemoryStream(body);
        var result = await services.GetRequiredService<BatchApi>().SubmitAsync(http.Request, client, ct);
        if (result is not IStatusCodeHttpResult { StatusCode: StatusCodes.Status202Accepted })
        {
            throw new InvalidOperationException($"The batch was not accepted: {result}.");
        }
    }

    /// <summary>Each reviewer opens the link in their e-mail and submits: accept, or (round 1 of 30% of the items) needs-revision.</summary>
    public static async Task ReviewFromMailAsync(
        IServiceProvider services, DurableTaskClient client, SmtpSink mail, ConcurrentDictionary<SubmissionKind, int> outcomes, CancellationToken ct)
    {
        var store = services.GetRequiredService<CotStore>();
        var signer = services.GetRequiredService<ReviewLinkSigner>();
        var reviews = services.GetRequiredService<ReviewApi>();
        await Parallel.ForEachAsync(mail.Received.ReadAllAsync(ct), new ParallelOptions { MaxDegreeOfParallelism = Reviewers, CancellationToken = ct }, async (message, token) =>
        {
            var url = message.ReviewLink;
            var link = signer.Verify(url[(url.LastIndexOf('/') + 1)..], DateTimeOffset.UtcNow).Link
                ?? throw new InvalidOperationException($"The e-mail \"{message.Subject}\" has no valid review link.");
            var assignment = await store.GetRowAsync<AssignmentRow>(store.Assignments, link.ReviewerId, link.Assignment.ToString(), token)
                ?? throw new InvalidOperationException($"Assignment {link.Assignment} has no Assignments row.");
            var request = SimulatedReviewers.Review(link.Assignment.ToString(), SimulatedReviewers.Accepts(link.ItemId, link.Round));
            var outcome = await reviews.SubmitAsync(link.Assignment, assignment, request, client, token);
            outcomes.AddOrUpdate(outcome.Kind, 1, (_, n) => n + 1);
        });
    }
}
