using CotPipeline.Constants;
using CotPipeline.Models;
using CotPipeline.Orchestrations;
using CotPipeline.Storage;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;

namespace CotPipeline.Tests.Orchestrations;

/// <summary>
/// A batch's deadline watch on the in-memory engine: it looks every interval, carries on past a look that failed, stops when the
/// batch is over, and is started once however often it is asked to start while it runs.
/// </summary>
public sealed class WatchDeadlinesEngineTests : IAsyncLifetime
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);
    private readonly Queue<Func<RaiseDueDeadlinesResult>> _looks = new();
    private int _lookCount;
    private DurableTaskTestHost _host = null!;

    public async Task InitializeAsync() => _host = await DurableTaskTestHost.StartAsync(registry =>
    {
        registry.AddOrchestratorFunc<WatchDeadlinesInput, int>(TaskNames.WatchDeadlines, WatchDeadlinesOrchestrator.RunAsync);
        registry.AddActivityFunc<WatchDeadlinesInput, RaiseDueDeadlinesResult>(TaskNames.RaiseDueDeadlines, (_, _) =>
        {
            Interlocked.Increment(ref _lookCount);
            lock (_looks)
            {
                return _looks.Count > 0 ? _looks.Dequeue()() : new RaiseDueDeadlinesResult(0, false);
            }
        });
    });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private DurableTaskClient Client => _host.Client;

    private async Task<OrchestrationMetadata> EndedAsync(string instanceId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        return await Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, timeout.Token);
    }

    [Fact]
    public async Task Watch_LooksUntilTheBatchIsOver_CarryingOnPastAFailedLook_AndCountsWhatItRaised()
    {
        _looks.Enqueue(() => new RaiseDueDeadlinesResult(2, false));
        _looks.Enqueue(() => throw new InvalidOperationException("storage away"));
        _looks.Enqueue(() => new RaiseDueDeadlinesResult(0, false));
        _looks.Enqueue(() => new RaiseDueDeadlinesResult(3, false));
        _looks.Enqueue(() => new RaiseDueDeadlinesResult(0, BatchEnded: true));

        await WatchDeadlinesOrchestrator.EnsureStartedAsync(Client, "b1", Interval);
        var ended = await EndedAsync(Ids.DeadlineInstance("b1"));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, ended.RuntimeStatus);
        Assert.Equal(5, ended.ReadOutputAs<int>());
        Assert.Equal(5, _lookCount);
    }

    [Fact]
    public async Task EnsureStarted_WhileTheWatchRuns_StartsNothingNew_AfterItEnded_StartsItAgain()
    {
        await WatchDeadlinesOrchestrator.EnsureStartedAsync(Client, "b2", Interval);
        var first = await Client.GetInstanceAsync(Ids.DeadlineInstance("b2"));
        await WatchDeadlinesOrchestrator.EnsureStartedAsync(Client, "b2", Interval);
        var again = await Client.GetInstanceAsync(Ids.DeadlineInstance("b2"));
        Assert.Equal(first!.CreatedAt, again!.CreatedAt);

        lock (_looks)
        {
            _looks.Enqueue(() => new RaiseDueDeadlinesResult(0, BatchEnded: true));
        }

        Assert.Equal(OrchestrationRuntimeStatus.Completed, (await EndedAsync(Ids.DeadlineInstance("b2"))).RuntimeStatus);

        // A failed item retried after the batch was over needs the watch again.
        await WatchDeadlinesOrchestrator.EnsureStartedAsync(Client, "b2", Interval);
        var restarted = await Client.GetInstanceAsync(Ids.DeadlineInstance("b2"));
        Assert.False(restarted!.IsCompleted);
        Assert.True(restarted.CreatedAt > first.CreatedAt);
    }
}
