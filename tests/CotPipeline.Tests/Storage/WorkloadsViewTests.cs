using CotPipeline.Storage;

namespace CotPipeline.Tests.Storage;

/// <summary>How long routing uses one read of everybody's open work: its lifetime, or longer when the read itself was slow.</summary>
public sealed class WorkloadsViewTests
{
    [Theory]
    [InlineData(0, 5_000, 5_000)]
    [InlineData(100, 5_000, 5_000)]
    [InlineData(250, 5_000, 5_000)]
    [InlineData(300, 5_000, 6_000)]
    [InlineData(4_000, 5_000, 80_000)]
    [InlineData(10, 0, 200)]
    public void ViewLifetimeAfter_SlowReads_LastTwentyTimesTheirDuration(int readMs, int lifetimeMs, int expectedMs)
    {
        var lasts = Workloads.ViewLifetimeAfter(TimeSpan.FromMilliseconds(readMs), TimeSpan.FromMilliseconds(lifetimeMs));

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), lasts);
    }
}
