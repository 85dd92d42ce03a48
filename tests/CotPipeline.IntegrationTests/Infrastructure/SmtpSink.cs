using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using MimeKit;

namespace CotPipeline.IntegrationTests.Infrastructure;

/// <summary>
/// A minimal SMTP server on a free loopback port that accepts every message and hands over what a reviewer needs of it (its
/// subject and review link, <see cref="ReceivedMail"/>): a stand-in for the mail server (and the reviewers' inboxes) where a
/// benchmark measures something else, and a server whose sessions a test counts or has end after each message (as a server that
/// closes idle sessions does). It speaks only what a client needs without extensions: no TLS, no authentication, no pipelining.
/// Parsed messages are not kept: a benchmark's reviewers fell tens of thousands of e-mails behind, and as MimeKit messages those
/// held more memory than everything the benchmark measures.
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<ReceivedMail> _received = Channel.CreateUnbounded<ReceivedMail>();
    private readonly Task _accepting;
    private readonly bool _closeAfterEachMessage;
    private int _sessions;

    /// <param name="closeAfterEachMessage">End the session (without a word) once a message is accepted.</param>
    public SmtpSink(bool closeAfterEachMessage = false)
    {
        _closeAfterEachMessage = closeAfterEachMessage;
        _listener.Start();
        _accepting = AcceptAsync(_stop.Token);
    }

    /// <summary>SMTP sessions clients have opened.</summary>
    public int Sessions => Volatile.Read(ref _sessions);

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public ChannelReader<ReceivedMail> Received => _received.Reader;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _received.Writer.TryComplete();
        _stop.Dispose();
    }

    private async Task AcceptAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(ct);
            _ = ServeAsync(client, ct);
        }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken ct)
    {
        Interlocked.Increment(ref _sessions);
        using (client)
        {
            var stream = client.GetStream();
            // Latin-1 maps every byte to one char and back, so the message's bytes survive whatever its encoding.
            using var reader = new StreamReader(stream, Encoding.Latin1);
            await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
            await writer.WriteLineAsync("220 sink");
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                var verb = (line.Length > 4 ? line[..4] : line).ToUpperInvariant();
                if (verb == "QUIT")
                {
                    await writer.WriteLineAsync("221 bye");
                    return;
                }

                if (verb == "DATA")
                {
                    await writer.WriteLineAsync("354 end with <CRLF>.<CRLF>");
                    _received.Writer.TryWrite(await ReadMessageAsync(reader, ct));
                }

                await writer.WriteLineAsync(verb switch
                {
                    "EHLO" or "HELO" => "250 sink",
                    "MAIL" or "RCPT" or "RSET" or "NOOP" or "DATA" => "250 ok",
                    _ => "502 not implemented",
                });
                if (verb == "DATA" && _closeAfterEachMessage)
                {
                    return;
                }
            }
        }
    }

    private static async Task<ReceivedMail> ReadMessageAsync(StreamReader reader, CancellationToken ct)
    {
        var text = new StringBuilder();
        while (await reader.ReadLineAsync(ct) is { } line && line != ".")
        {
            // The client doubled every leading dot.
            text.Append(line.StartsWith("..", StringComparison.Ordinal) ? line[1..] : line).Append("\r\n");
        }

        using var stream = new MemoryStream(Encoding.Latin1.GetBytes(text.ToString()));
        var message = await MimeMessage.LoadAsync(stream, ct);
        return new ReceivedMail(message.Subject ?? "", Smtp4devFixture.ReviewLinkIn(message));
    }
}

/// <summary>What a reviewer reads in an e-mail: its subject, and the review link in its text ("" when there is none).</summary>
public sealed record ReceivedMail(string Subject, string ReviewLink);
