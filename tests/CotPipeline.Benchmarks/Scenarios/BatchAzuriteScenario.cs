using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using CotLocal;
using CotPipeline.Benchmarks.Measure;
using CotPipeline.Constants;
using CotPipeline.Domain;
using CotPipeline.Http;
using CotPipeline.IntegrationTests.Infrastructure;
using CotPipeline.Models;
using CotPipeline.Options;
using CotPipeline.Storage;
using DurableTask.AzureStorage;
using Microsoft.AspNetCore.Builder;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CotPipeline.Benchmarks.Scenarios;

/// <summary>
/// The whole loop on the local host's engine against a bare orchestration on that same engine, in one run: the Durable Task
/// engine with the Azure Storage backend over Azurite and its in-process sidecar, wired by <see cref="LocalEngine.AddLocalEngine"/>
/// as <c>CotLocal</c> does, with the pipeline's orchestrations and a bare one registered side by side. The loop is the batch
/// scenario's: intake, every real activity (offline LLM, Azurite, e-mail to an <see cref="SmtpSink"/>) and reviewers who submit
/// through the public review path; 30% of the items take a second round. The bare orchestration makes the same activity calls
/// (no-ops) and waits for the same events, answered at once. Bare first (after a warm-up that lets the engine take its
/// partitions), then the bare histories are purged, then the loop; the figure is the ratio of their throughputs. As the local
/// host runs by default, the task hub has an Azurite of its own and the pipeline's blobs and tables another
/// (<c>COTBENCH_OneAzurite=true</c>: one Azurite for both, as before).
/// </summary>
internal sealed class BatchAzuriteScenario : IScenario
{
    private const double GoalRatio = 0.8;
    private const string BatchId = "bench-azurite";
    private const string Bare = "BareItem";
    private const string BareStep = "BareStep";
    private const string BareRequest = "BareRequest";
    private const string BareDone = "BareDone";
    private const int WarmUp = 20;

    /// <summary>Review requests of the bare orchestrations; the driver answers each with one event per reviewer.</summary>
    private readonly Channel<(string Instance, int Round)> _requests = Channel.CreateUnbounded<(string, int)>();

    private BarePhase _phase = new(0, 1);

    public string Name => "batch-azurite";

    public int DefaultPairs => 2_000;

    public string Goal => $"loop-throughput/bare-throughput>={GoalRatio}";

    public Task<Outcome> RunAsync(int pairs, Report report, CancellationToken ct) =>
        Fixtures.WithAsync(new AzuriteFixture(), data => Fixtures.OneAzurite
            ? MeasureAsync(data, data, pairs, report, ct)
            : Fixtures.WithAsync(new AzuriteFixture(), engine => MeasureAsync(data, engine, pairs, report, ct)));

    private async Task<Outcome> MeasureAsync(AzuriteFixture azurite, AzuriteFixture engineAzurite, int pairs, Report report, CancellationToken ct)
    {
        await using var mail = new SmtpSink();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(BatchScenario.Settings(azurite.ConnectionString, mail.Port)).AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{LocalOptions.Section}:HubName"] = "CotBench",
            [$"{LocalOptions.Section}:EngineConnectionString"] = engineAzurite.ConnectionString,
            // The local host's start window (its appsettings.json), for both phases.
            [$"{ApiOptions.Section}:MaxItemsStarting"] = "100",
            [$"{LocalOptions.Section}:SidecarPort"] = Ports.Free().ToString(),
            // The engine reports expected noise (lease changes, slow partition table) as warnings; the scenario prints its own lines.
            ["Logging:LogLevel:Default"] = "Error",
        })
            // Engine or pipeline settings to try without a rebuild, e.g. COTBENCH_Local__MaxConcurrentActivities=20.
            .AddEnvironmentVariables("COTBENCH_");
        builder.Services.AddCotPipeline(builder.Configuration);
        builder.AddLocalEngine(registry =>
        {
            registry.AddCotTasks();
            registry.AddOrchestratorFunc<BareInput, bool>(Bare, BareAsync);
            registry.AddActivityFunc<BareInput, BareInput>(BareStep, (_, input) => input);
            registry.AddActivityFunc<BareRound, int>(BareRequest, (_, input) =>
            {
                if (input.Round == 1)
                {
                    _phase.InReview();
                }

                _requests.Writer.TryWrite((Ids.ItemInstance(input.Item.BatchId, input.Item.ItemId), input.Round));
                return 2;
            });
            registry.AddActivityFunc<BareInput, bool>(BareDone, (_, _) => _phase.Finished());
        });
        await using var app = builder.Build();
        app.MapLocalEngine();
        await app.Services.GetRequiredService<AzureStorageOrchestrationService>().CreateIfNotExistsAsync();
        var store = app.Services.GetRequiredService<CotStore>();
        await store.EnsureCreatedAsync();
        await BatchScenario.AddReviewersAsync(store, ct);
        await app.StartAsync(ct);
        var client = app.Services.GetRequiredService<DurableTaskClient>();

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var answering = AnswerBareAsync(client, stop.Token);
        var outcomes = new ConcurrentDictionary<SubmissionKind, int>();
        var reviewing = BatchScenario.ReviewFromMailAsync(app.Services, client, mail, outcomes, stop.Token);
        using var requests = engineAzurite == azurite ? new StorageRequests(("data", azurite)) : new StorageRequests(("data", azurite), ("engine", engineAzurite));
        try
        {
            // The loop's start window, for the bare phase too.
            var window = app.Services.GetRequiredService<IOptions<ApiOptions>>().Value.MaxItemsStarting;
            var warm = await RunBareAsync(client, "bench-warm", WarmUp, window, ct);
            report.Line($"warm-up: {WarmUp} bare items in {warm.TotalSeconds:0.0} s (the engine takes its partitions)");

            requests.Take();
            var bare = await RunBareAsync(client, "bench-bare", pairs, window, ct);
            report.Line($"bare: {pairs:N0} items in {bare.TotalSeconds:0.0} s ({pairs / bare.TotalSeconds:0.0} items/s)");
            foreach (var line in StorageRequests.Describe(requests.Take(), pairs))
            {
                report.Line($"bare: {line}");
            }

            // The loop starts on the task hub the bare phase started on: without the bare items' histories, which every History
            // query of the emulator would otherwise scan (the local host purges ended histories on a schedule too).
            var purge = Stopwatch.StartNew();
            var purged = await PurgeBareAsync(client, WarmUp + pairs, ct);
            report.Line($"bare: {purged:N0} ended bare histories purged in {purge.Elapsed.TotalSeconds:0.0} s (not counted in either phase)");
            requests.Take();

            var clock = Stopwatch.StartNew();
            await BatchScenario.SubmitAsync(app.Services, client, BatchId, pairs, ct);
            report.Line($"loop: intake of {pairs:N0} pairs took {clock.Elapsed.TotalSeconds:0.0} s");
            await BatchScenario.WaitFinishedAsync(store, BatchId, pairs, outcomes, report, ct);
            var loop = clock.Elapsed;
            report.Line($"loop: {pairs:N0} pairs from upload to all finished in {loop.TotalSeconds:0.0} s ({pairs / loop.TotalSeconds:0.0} pairs/s); " +
                $"reviews: {string.Join(", ", outcomes.Select(o => $"{o.Key} {o.Value:N0}"))}");
            foreach (var line in StorageRequests.Describe(requests.Take(), pairs, top: 30))
            {
                report.Line($"loop: {line}");
            }

            var ratio = bare / loop;
            report.Line($"per item: 6 activities and 2 events, and 30% a second round (5 more activities, 2 more events); throughput loop/bare {ratio:0.00}");
            return new Outcome($"throughput-ratio[N={pairs}]={ratio:0.00},loop-pairs-per-s={pairs / loop.TotalSeconds:0.0},bare-per-s={pairs / bare.TotalSeconds:0.0}",
                ratio >= GoalRatio);
        }
        finally
        {
            await stop.CancelAsync();
            await answering.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await reviewing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await app.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// Starts <paramref name="count"/> bare items and waits for their last activity. At most <paramref name="window"/> of them are
    /// started and not yet in review at any time, as the batch's pages start the loop's items (<c>Api:MaxItemsStarting</c>), so both
    /// phases start their items the same way. (Started all at once, 2,000 bare items queued 1,990 activity messages, every queue
    /// operation on Azurite slowed with them, and the phase was stopped after 16 minutes.)
    /// </summary>
    private async Task<TimeSpan> RunBareAsync(DurableTaskClient client, string batchId, int count, int window, CancellationToken ct)
    {
        _phase = new BarePhase(count, window > 0 ? window : count);
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (i, token) =>
        {
            await _phase.StartingAsync(token);
            var itemId = Seeding.Pairs.Id(i);
            var rounds = SimulatedReviewers.Accepts(itemId, 1) ? 1 : 2;
            await client.ScheduleNewOrchestrationInstanceAsync(Bare, new BareInput(batchId, itemId, rounds),
                new StartOrchestrationOptions(Ids.ItemInstance(batchId, itemId)), token);
        });
        await _phase.Done.Task.WaitAsync(TimeSpan.FromMinutes(30 + (count / 20.0)), ct);
        return clock.Elapsed;
    }

    /// <summary>Purges the bare items' histories once they have all completed (the last may still be completing when its last activity ran).</summary>
    private static async Task<int> PurgeBareAsync(DurableTaskClient client, int expected, CancellationToken ct)
    {
        var purged = 0;
        var deadline = Stopwatch.StartNew();
        while (purged < expected && deadline.Elapsed < TimeSpan.FromMinutes(2))
        {
            var result = await client.PurgeAllInstancesAsync(
                new PurgeInstancesFilter(DateTimeOffset.UnixEpoch, DateTimeOffset.UtcNow, [OrchestrationRuntimeStatus.Completed]), ct);
            purged += result.PurgedInstanceCount;
            if (purged < expected)
            {
                await Task.Delay(1000, ct);
            }
        }

        return purged;
    }

    private async Task AnswerBareAsync(DurableTaskClient client, CancellationToken ct) =>
        await Parallel.ForEachAsync(_requests.Reader.ReadAllAsync(ct), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct }, async (request, token) =>
        {
            foreach (var reviewer in (string[])["r1", "r2"])
            {
                await client.RaiseEventAsync(request.Instance, EventNames.ReviewSubmitted,
                    new ReviewSubmitted($"{request.Instance}.{request.Round}.{reviewer}", reviewer, request.Round), token);
            }
        });

    /// <summary>Per round: draft, commit, assign, request reviews, two reviews, consensus; then finalize — with nothing else around them.</summary>
    private static async Task<bool> BareAsync(TaskOrchestrationContext ctx, BareInput input)
    {
        for (var round = 1; round <= input.Rounds; round++)
        {
            input = await ctx.CallActivityAsync<BareInput>(BareStep, input);
            input = await ctx.CallActivityAsync<BareInput>(BareStep, input);
            input = await ctx.CallActivityAsync<BareInput>(BareStep, input);
            await ctx.CallActivityAsync<int>(BareRequest, new BareRound(input, round));
            await ctx.WaitForExternalEvent<ReviewSubmitted>(EventNames.ReviewSubmitted);
            await ctx.WaitForExternalEvent<ReviewSubmitted>(EventNames.ReviewSubmitted);
            input = await ctx.CallActivityAsync<BareInput>(BareStep, input);
        }

        return await ctx.CallActivityAsync<bool>(BareDone, input);
    }

    private sealed record BareInput(string BatchId, string ItemId, int Rounds);

    private sealed record BareRound(BareInput Item, int Round);

    /// <summary>Holds back starts while <paramref name="starting"/> bare items are not yet in review, and counts those that reached their last activity.</summary>
    private sealed class BarePhase(int count, int starting)
    {
        private readonly SemaphoreSlim _starting = new(starting);
        private int _finished;

        public Task StartingAsync(CancellationToken ct) => _starting.WaitAsync(ct);

        /// <summary>An item asked for its first reviews; a replayed or repeated call may release a slot twice, which only lets a start through early.</summary>
        public void InReview() => _starting.Release();

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Finished()
        {
            if (Interlocked.Increment(ref _finished) == count)
            {
                Done.TrySetResult();
            }

            return true;
        }
    }
}
