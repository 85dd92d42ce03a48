using System.Diagnostics;
using System.Threading.Channels;
using CotPipeline.Constants;
using CotPipeline.Domain;
using CotPipeline.IntegrationTests.Infrastructure;
using CotPipeline.Models;
using CotPipeline.Orchestrations;
using CotPipeline.Storage;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;

namespace CotPipeline.Benchmarks.Scenarios;

/// <summary>
/// What the review loop's orchestration costs on top of the work it schedules: on one in-memory engine, in one run, N items of
/// the real <see cref="ReviewItemOrchestrator"/> (every activity a no-op fake, both reviewers accept in round 1) against N bare
/// orchestrations making the same six activity calls and waiting for the same two events. Five passes of one bare and one loop
/// phase, in alternating order; the figure is the median of the passes' ratios, so one pass disturbed by the machine's other
/// work does not decide it. At most <see cref="InFlight"/> items run at once, below the engine's
/// concurrency cap (the processor count): at the cap its dispatcher waits in 500 ms steps, which would throttle both kinds alike
/// and hide the difference.
/// </summary>
internal sealed class OverheadScenario : IScenario
{
    private const double GoalRatio = 1.3;
    private const int InFlight = 64;
    private const string Bare = "BareItem";
    private const string BareStep = "BareStep";
    private const string BareRequest = "BareRequest";
    private const string BareDone = "BareDone";

    private static readonly LoopSettings Loop = LoopSettings.From(new Options.PipelineOptions());

    /// <summary>Review requests the fakes "e-mail"; the driver answers each with one event per reviewer.</summary>
    private readonly Channel<(string Instance, IReadOnlyList<string> Reviewers, int Round)> _requests =
        Channel.CreateUnbounded<(string, IReadOnlyList<string>, int)>();

    private Phase _phase = new(0);
    private long _exceptions;

    public string Name => "overhead";

    public int DefaultPairs => 2_000;

    public bool NeedsManyProcessors => true;

    public string Goal => $"loop/bare<={GoalRatio}";

    public async Task<Outcome> RunAsync(int pairs, Report report, CancellationToken ct)
    {
        // The in-memory host's gRPC sidecar logs every request at Information to the console (its default host builder reads this
        // variable): thousands of lines per second would be measured instead of the engine.
        Environment.SetEnvironmentVariable("Logging__LogLevel__Default", "Warning");
        AppDomain.CurrentDomain.FirstChanceException += (_, _) => Interlocked.Increment(ref _exceptions);
        await using var host = await InMemoryEngine.StartAsync(Register, null, ct);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reviewers = AnswerAsync(host.Client, stop.Token);

        await RunPhaseAsync(host.Client, "warm-bare", Math.Min(pairs, 500), loop: false, ct);
        await RunPhaseAsync(host.Client, "warm-loop", Math.Min(pairs, 500), loop: true, ct);
        var ratios = new List<double>();
        var cpuRatios = new List<double>();
        (Timing Bare, Timing Loop) costs = default;
        for (var pass = 1; pass <= 5; pass++)
        {
            Timing b, l;
            if (pass % 2 == 1)
            {
                b = await RunPhaseAsync(host.Client, $"bare{pass}", pairs, loop: false, ct);
                l = await RunPhaseAsync(host.Client, $"loop{pass}", pairs, loop: true, ct);
            }
            else
            {
                l = await RunPhaseAsync(host.Client, $"loop{pass}", pairs, loop: true, ct);
                b = await RunPhaseAsync(host.Client, $"bare{pass}", pairs, loop: false, ct);
            }

            ratios.Add(l.Wall / b.Wall);
            cpuRatios.Add(l.Cpu / b.Cpu);
            costs = (b, l);
            report.Line($"pass {pass}: bare {b.Wall.TotalSeconds:0.0} s ({pairs / b.Wall.TotalSeconds:0} items/s, CPU {b.Cpu.TotalSeconds:0.0} s), " +
                $"loop {l.Wall.TotalSeconds:0.0} s ({pairs / l.Wall.TotalSeconds:0} items/s, CPU {l.Cpu.TotalSeconds:0.0} s), loop/bare {l.Wall / b.Wall:0.00} (CPU {l.Cpu / b.Cpu:0.00})");
        }

        await stop.CancelAsync();
        await reviewers.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var ratio = ratios.Order().ElementAt(ratios.Count / 2);
        // This process's CPU time is all engine, worker and fake activities: a figure the machine's other work disturbs far less.
        report.Line($"median of the passes' CPU-time ratios: {cpuRatios.Order().ElementAt(cpuRatios.Count / 2):0.00}; per item (last pass) bare " +
            $"{costs.Bare.BytesPerItem / 1024:N0} KiB allocated, {costs.Bare.ExceptionsPerItem:0.0} exceptions; loop {costs.Loop.BytesPerItem / 1024:N0} KiB, {costs.Loop.ExceptionsPerItem:0.0}");
        report.Line($"per item: 6 activities, 2 external events; the loop adds its review-deadline timer (created, then cancelled) and its own bookkeeping");
        return new Outcome($"loop/bare-median-of-5[N={pairs}]={ratio:0.00}", ratio <= GoalRatio);
    }

    /// <summary>Schedules <paramref name="count"/> instances and waits until the last one's final activity ran.</summary>
    private async Task<Timing> RunPhaseAsync(DurableTaskClient client, string phase, int count, bool loop, CancellationToken ct)
    {
        _phase = new Phase(count);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var allocated = GC.GetTotalAllocatedBytes();
        var exceptions = Interlocked.Read(ref _exceptions);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            await _phase.Running.WaitAsync(ct);
            var itemId = $"q{i:D6}";
            var options = new StartOrchestrationOptions(Ids.ItemInstance(phase, itemId));
            await (loop
                ? client.ScheduleNewOrchestrationInstanceAsync(TaskNames.ReviewItem, new ReviewItemInput(phase, itemId, Loop, LoopState.Start), options, ct)
                : client.ScheduleNewOrchestrationInstanceAsync(Bare, new BareInput(phase, itemId), options, ct));
        }

        await _phase.Done.Task.WaitAsync(TimeSpan.FromMinutes(30), ct);
        return new Timing(clock.Elapsed, Process.GetCurrentProcess().TotalProcessorTime - cpu,
            (GC.GetTotalAllocatedBytes() - allocated) / count, (Interlocked.Read(ref _exceptions) - exceptions) / (double)count);
    }

    private async Task AnswerAsync(DurableTaskClient client, CancellationToken ct)
    {
        await foreach (var (instance, reviewers, round) in _requests.Reader.ReadAllAsync(ct))
        {
            foreach (var reviewer in reviewers)
            {
                await client.RaiseEventAsync(instance, EventNames.ReviewSubmitted, new ReviewSubmitted($"{instance}.{round}.{reviewer}", reviewer, round), ct);
            }
        }
    }

    private void Register(DurableTaskRegistry registry)
    {
        registry.AddOrchestratorFunc<ReviewItemInput, ItemOutcome?>(TaskNames.ReviewItem, ReviewItemOrchestrator.RunAsync);
        registry.AddActivityFunc<GenerateCandidateInput, CandidateResult>(TaskNames.GenerateCandidate, (_, input) =>
            new CandidateResult(input.Candidate, true, [], CotStore.CandidatePath(input.BatchId, input.ItemId, input.Version, input.Candidate, input.Attempt)));
        registry.AddActivityFunc<CommitVersionInput, CommitVersionResult>(TaskNames.CommitVersion, (_, input) => new CommitVersionResult(input.Version, null));
        registry.AddActivityFunc<AssignReviewersInput, List<string>>(TaskNames.AssignReviewers, (_, input) =>
            [.. Enumerable.Range(1, input.Count).Select(k => $"r{k}")]);
        registry.AddActivityFunc<SendReviewRequestsInput, int>(TaskNames.SendReviewRequests, (_, input) =>
        {
            _requests.Writer.TryWrite((Ids.ItemInstance(input.BatchId, input.ItemId), input.ReviewerIds, input.Round));
            return input.ReviewerIds.Count;
        });
        registry.AddActivityFunc<CloseAssignmentsInput, bool>(TaskNames.CloseAssignments, (_, _) => true);
        registry.AddActivityFunc<RecoverReviewsInput, List<string>>(TaskNames.RecoverReviews, (_, _) => []);
        registry.AddActivityFunc<ReachConsensusInput, ConsensusResult>(TaskNames.ReachConsensus, (_, _) => new ConsensusResult(ConsensusOutcome.Accept, null));
        registry.AddActivityFunc<RequestAdjudicationInput, string?>(TaskNames.RequestAdjudication, (_, _) => (string?)null);
        registry.AddActivityFunc<FinalizeItemInput, bool>(TaskNames.FinalizeItem, (_, _) => _phase.Finished());

        registry.AddOrchestratorFunc<BareInput, bool>(Bare, BareAsync);
        registry.AddActivityFunc<BareInput, BareInput>(BareStep, (_, input) => input);
        registry.AddActivityFunc<BareInput, int>(BareRequest, (_, input) =>
        {
            _requests.Writer.TryWrite((Ids.ItemInstance(input.BatchId, input.ItemId), ["r1", "r2"], 1));
            return 2;
        });
        registry.AddActivityFunc<BareInput, bool>(BareDone, (_, _) => _phase.Finished());
    }

    /// <summary>Draft, commit, assign, request reviews, two reviews, consensus, finalize — with nothing else around them.</summary>
    private static async Task<bool> BareAsync(TaskOrchestrationContext ctx, BareInput input)
    {
        input = await ctx.CallActivityAsync<BareInput>(BareStep, input);
        input = await ctx.CallActivityAsync<BareInput>(BareStep, input);
        input = await ctx.CallActivityAsync<BareInput>(BareStep, input);
        await ctx.CallActivityAsync<int>(BareRequest, input);
        await ctx.WaitForExternalEvent<ReviewSubmitted>(EventNames.ReviewSubmitted);
        await ctx.WaitForExternalEvent<ReviewSubmitted>(EventNames.ReviewSubmitted);
        input = await ctx.CallActivityAsync<BareInput>(BareStep, input);
        return await ctx.CallActivityAsync<bool>(BareDone, input);
    }

    private sealed record BareInput(string BatchId, string ItemId);

    /// <summary>A phase's wall-clock and CPU time, and per item the bytes allocated and the exceptions thrown (caught or not).</summary>
    private readonly record struct Timing(TimeSpan Wall, TimeSpan Cpu, long BytesPerItem, double ExceptionsPerItem);

    /// <summary>Counts the items of one phase that reached their last activity, and lets the next one start.</summary>
    private sealed class Phase(int count)
    {
        private int _finished;

        public SemaphoreSlim Running { get; } = new(InFlight);

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Finished()
        {
            Running.Release();
            if (Interlocked.Increment(ref _finished) == count)
            {
                Done.TrySetResult();
            }

            return true;
        }
    }
}
