using CotPipeline.Constants;
using CotPipeline.Models;
using CotPipeline.Orchestrations;
using Microsoft.DurableTask;
using Moq;

namespace CotPipeline.Tests.Orchestrations;

/// <summary>The CancelBatch orchestration: a page of items per execution, then the batch's open assignments.</summary>
public sealed class CancelBatchOrchestratorTests
{
    private readonly Mock<TaskOrchestrationContext> _ctx = new(MockBehavior.Strict);
    private readonly List<string> _calls = [];

    private void Page(CancelItemsPageResult result) =>
        _ctx.Setup(c => c.CallActivityAsync<CancelItemsPageResult>(It.Is<TaskName>(n => n.Name == TaskNames.CancelItemsPage), It.IsAny<CancelItemsPageInput>(), It.IsAny<TaskOptions>()))
            .Callback(() => _calls.Add(TaskNames.CancelItemsPage))
            .ReturnsAsync(result);

    [Fact]
    public async Task RunAsync_PageNotDone_ContinuesAsNewAfterItsLastItem()
    {
        Page(new CancelItemsPageResult(150, "q200", false));
        object? next = null;
        _ctx.Setup(c => c.ContinueAsNew(It.IsAny<object>(), It.IsAny<bool>())).Callback((object input, bool _) => next = input);

        var cancelled = await CancelBatchOrchestrator.RunAsync(_ctx.Object, new CancelBatchInput("b1", "q000", 40));

        Assert.Equal(190, cancelled);
        Assert.Equal(new CancelBatchInput("b1", "q200", 190), next);
        Assert.Equal([TaskNames.CancelItemsPage], _calls);
    }

    [Fact]
    public async Task RunAsync_LastPage_ClosesTheBatchsOpenAssignments()
    {
        Page(new CancelItemsPageResult(3, "q203", true));
        _ctx.Setup(c => c.CallActivityAsync<int>(It.Is<TaskName>(n => n.Name == TaskNames.CloseBatchAssignments), new CloseBatchAssignmentsInput("b1"), It.IsAny<TaskOptions>()))
            .Callback(() => _calls.Add(TaskNames.CloseBatchAssignments))
            .ReturnsAsync(5);

        var cancelled = await CancelBatchOrchestrator.RunAsync(_ctx.Object, new CancelBatchInput("b1", "q200", 190));

        Assert.Equal(193, cancelled);
        Assert.Equal([TaskNames.CancelItemsPage, TaskNames.CloseBatchAssignments], _calls);
    }
}
