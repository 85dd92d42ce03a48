using System.Diagnostics.CodeAnalysis;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using CotPipeline.Storage;

namespace CotPipeline.Tests.Storage;

/// <summary>Which answers <see cref="StreamedQueryPages"/> leaves on the connection, and which are still read whole.</summary>
public sealed class StreamedQueryPagesTests
{
    [Theory]
    [InlineData("GET", "/account/Items()", 200, false)]
    [InlineData("GET", "/account/Items()", 404, true)]
    [InlineData("GET", "/account/Items(PartitionKey='b',RowKey='q1')", 200, true)]
    [InlineData("PUT", "/account/Items(PartitionKey='b',RowKey='q1')", 204, true)]
    [InlineData("POST", "/account/$batch", 202, true)]
    public async Task ProcessAsync_OnlyASuccessfulQueryIsStreamed(string method, string path, int status, bool readWhole)
    {
        var transport = new OneAnswer(status, "{\"value\":[]}");
        var pipeline = HttpPipelineBuilder.Build(new TestOptions { Transport = transport }, new StreamedQueryPages());
        using var message = pipeline.CreateMessage();
        message.Request.Method = RequestMethod.Parse(method);
        message.Request.Uri.Reset(new Uri("http://127.0.0.1:10002" + path));

        await pipeline.SendAsync(message, CancellationToken.None);

        Assert.Equal(status, message.Response.Status);
        Assert.Equal(readWhole, message.Response.ContentStream!.CanSeek);
        using var reader = new StreamReader(message.Response.ContentStream);
        Assert.Equal("{\"value\":[]}", await reader.ReadToEndAsync());
    }

    private sealed class TestOptions : ClientOptions;

    /// <summary>Answers every request with one status and body, on a stream that cannot seek (as a connection's).</summary>
    private sealed class OneAnswer(int status, string body) : HttpPipelineTransport
    {
        public override Request CreateRequest() => new HttpClientTransport().CreateRequest();

        public override void Process(HttpMessage message) => message.Response = new Answer(status, body);

        public override ValueTask ProcessAsync(HttpMessage message)
        {
            Process(message);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class Answer(int status, string body) : Response
    {
        public override int Status => status;

        public override string ReasonPhrase => status.ToString(System.Globalization.CultureInfo.InvariantCulture);

        public override Stream? ContentStream { get; set; } = new ForwardOnly(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(body)));

        public override string ClientRequestId { get; set; } = "test";

        public override void Dispose() => ContentStream?.Dispose();

        protected override bool ContainsHeader(string name) => false;

        protected override IEnumerable<HttpHeader> EnumerateHeaders() => [];

        protected override bool TryGetHeader(string name, [NotNullWhen(true)] out string? value)
        {
            value = null;
            return false;
        }

        protected override bool TryGetHeaderValues(string name, [NotNullWhen(true)] out IEnumerable<string>? values)
        {
            values = null;
            return false;
        }
    }

    private sealed class ForwardOnly(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
