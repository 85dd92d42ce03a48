using CotPipeline.Constants;
using CotPipeline.IntegrationTests.Infrastructure;
using CotPipeline.Models;
using CotPipeline.Orchestrations;
using CotPipeline.Storage;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Moq;

namespace CotPipeline.Tests.Orchestrations;

/// <summary>
/// A batch's deadline watch on the in-memory engine: it looks every interval, carries on past a look that failed, stops when the
/// batch is over; and it is started unless it runs.
/// </summary>
public sealed class WatchDeadlinesEngineTests : IAsyncLifetime
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);
    private readonly Queue<Func<RaiseDueDeadlinesResult>> _looks = new();
    private int _lookCount;
    private DurableTaskTestHost _host = null!;

    public async Task InitializeAsync() => _host = await InMemoryEngine.StartAsync(registry =>
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

    [Theory]
    [InlineData(null, true)]
    [InlineData(OrchestrationRuntimeStatus.Pending, false)]
    [InlineData(OrchestrationRuntimeStatus.Running, false)]
    [InlineData(OrchestrationRuntimeStatus.Completed, true)]
    [InlineData(OrchestrationRuntimeStatus.Failed, true)]
    [InlineData(OrchestrationRuntimeStatus.Terminated, true)]
    public async Task EnsureStarted_StartsTheWatchUnlessItRuns(OrchestrationRuntimeStatus? status, bool starts)
    {
        var client = new Mock<DurableTaskClient>(MockBehavior.Strict, "test");
        client.Setup(c => c.GetInstanceAsync("b1:~deadlines", It.IsAny<CancellationToken>()))
            .ReturnsAsync(status is { } s ? new OrchestrationMetadata(TaskNames.WatchDeadlines, "b1:~deadlines") { RuntimeStatus = s } : null);
        client.Setup(c => c.ScheduleNewOrchestrationInstanceAsync(It.Is<TaskName>(n => n.Name == TaskNames.WatchDeadlines),
                new WatchDeadlinesInput("b1", Interval, 0), It.Is<StartOrchestrationOptions>(o => o.InstanceId == "b1:~deadlines"), It.IsAny<CancellationToken>()))
            .ReturnsAsync("b1:~deadlines");

        await WatchDeadlinesOrchestrator.EnsureStartedAsync(client.Object, "b1", Interval);

        client.Verify(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()),
            starts ? Times.Once() : Times.Never());
    }

    [Fact]
    public async Task EnsureStarted_StartedAtTheSameMomentElsewhere_IsNoError_ButAFailedStartIsReported()
    {
        var client = new Mock<DurableTaskClient>(MockBehavior.Strict, "test");
        client.SetupSequence(c => c.GetInstanceAsync("b1:~deadlines", It.IsAny<CancellationToken>()))
            .ReturnsAsync((OrchestrationMetadata?)null)
            .ReturnsAsync(new OrchestrationMetadata(TaskNames.WatchDeadlines, "b1:~deadlines") { RuntimeStatus = OrchestrationRuntimeStatus.Running })
            .ReturnsAsync((OrchestrationMetadata?)null)
            .ReturnsAsync((OrchestrationMetadata?)null);
        client.Setup(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new InvalidOperationException("an instance with this id exists"));

        await WatchDeadlinesOrchestrator.EnsureStartedAsync(client.Object, "b1", Interval);
        await Assert.ThrowsAsync<InvalidOperationException>(() => WatchDeadlinesOrchestrator.EnsureStartedAsync(client.Object, "b1", Interval));
    }
}
