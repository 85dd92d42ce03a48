using CotPipeline.Constants;
using CotPipeline.Models;
using CotPipeline.Orchestrations;
using Microsoft.DurableTask;
using Moq;

namespace CotPipeline.Tests.Orchestrations;

/// <summary>The StartBatch orchestration: a page of items per execution; a page that has to wait is asked for again after a timer.</summary>
public sealed class StartBatchOrchestratorTests
{
    private static readonly DateTime Now = new(2026, 1, 1, 8, 0, 0, DateTimeKind.Utc);
    private readonly Mock<TaskOrchestrationContext> _ctx = new(MockBehavior.Strict);
    private readonly List<ScheduleItemsPageInput> _pages = [];
    private object? _next;

    public StartBatchOrchestratorTests()
    {
        _ctx.SetupGet(c => c.CurrentUtcDateTime).Returns(Now);
        _ctx.Setup(c => c.ContinueAsNew(It.IsAny<object>(), It.IsAny<bool>())).Callback((object input, bool _) => _next = input);
    }

    private void Page(ScheduleItemsPageResult result) =>
        _ctx.Setup(c => c.CallActivityAsync<ScheduleItemsPageResult>(It.Is<TaskName>(n => n.Name == TaskNames.ScheduleItemsPage), It.IsAny<ScheduleItemsPageInput>(), It.IsAny<TaskOptions>()))
            .Callback((TaskName _, object? input, TaskOptions? _) => _pages.Add((ScheduleItemsPageInput)input!))
            .ReturnsAsync(result);

    [Fact]
    public async Task RunAsync_PageStarted_ContinuesAfterItsLastItemWithTheCountSoFar()
    {
        Page(new ScheduleItemsPageResult(7, "q014", false));

        var scheduled = await StartBatchOrchestrator.RunAsync(_ctx.Object, new StartBatchInput("b1", "q007", 7));

        Assert.Equal(14, scheduled);
        Assert.Equal(new ScheduleItemsPageInput("b1", "q007", 7), Assert.Single(_pages));
        Assert.Equal(new StartBatchInput("b1", "q014", 14), _next);
    }

    [Fact]
    public async Task RunAsync_TooManyItemsStarting_WaitsThenAsksForTheSamePageAgain()
    {
        Page(new ScheduleItemsPageResult(0, "q007", false, TimeSpan.FromSeconds(2)));
        _ctx.Setup(c => c.CreateTimer(Now.AddSeconds(2), CancellationToken.None)).Returns(Task.CompletedTask);

        var scheduled = await StartBatchOrchestrator.RunAsync(_ctx.Object, new StartBatchInput("b1", "q007", 7));

        Assert.Equal(7, scheduled);
        Assert.Equal(new StartBatchInput("b1", "q007", 7), _next);
        _ctx.Verify(c => c.CreateTimer(Now.AddSeconds(2), CancellationToken.None), Times.Once);
    }

    [Fact]
    public async Task RunAsync_LastPage_EndsWithTheTotal()
    {
        Page(new ScheduleItemsPageResult(3, "q017", true));

        Assert.Equal(17, await StartBatchOrchestrator.RunAsync(_ctx.Object, new StartBatchInput("b1", "q014", 14)));
        Assert.Null(_next);
    }
}
