using System.ClientModel.Primitives;
using System.Diagnostics.CodeAnalysis;
using CotPipeline.Llm;

namespace CotPipeline.Tests.Llm;

public sealed class RetryAfterPolicyTests
{
    private static readonly DateTimeOffset Now = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("retry-after", "1", 1000)]
    [InlineData("retry-after", "2.5", 2500)]
    [InlineData("retry-after", "Sat, 01 Mar 2025 12:00:07 GMT", 7000)]
    [InlineData("retry-after", "Sat, 01 Mar 2025 11:59:00 GMT", 0)]
    [InlineData("retry-after-ms", "1200", 1200)]
    [InlineData("x-ms-retry-after-ms", "300", 300)]
    public void ServerDelay_Header_Parsed(string name, string value, int expectedMs)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), RetryAfterPolicy.ServerDelay(new Headers((name, value)), Now));
    }

    [Fact]
    public void ServerDelay_MillisecondsAndSeconds_MillisecondsWin()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(1200), RetryAfterPolicy.ServerDelay(new Headers(("retry-after", "0"), ("retry-after-ms", "1200")), Now));
    }

    [Theory]
    [InlineData("retry-after", "soon")]
    [InlineData("retry-after", "-3")]
    [InlineData("x-other", "5")]
    public void ServerDelay_NoUsableHeader_Null(string name, string value)
    {
        Assert.Null(RetryAfterPolicy.ServerDelay(new Headers((name, value)), Now));
    }

    private sealed class Headers(params (string Name, string Value)[] headers) : PipelineResponseHeaders
    {
        public override bool TryGetValue(string name, [NotNullWhen(true)] out string? value)
        {
            value = headers.Where(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault();
            return value is not null;
        }

        public override bool TryGetValues(string name, [NotNullWhen(true)] out IEnumerable<string>? values)
        {
            values = TryGetValue(name, out var value) ? [value] : null;
            return values is not null;
        }

        public override IEnumerator<KeyValuePair<string, string>> GetEnumerator() =>
            headers.Select(h => KeyValuePair.Create(h.Name, h.Value)).GetEnumerator();
    }
}
