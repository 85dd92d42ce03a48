using System.Diagnostics;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace CotPipeline.Mail;

/// <summary>
/// SMTP sessions kept open between e-mails, so a batch's thousands of review requests do not each connect, negotiate TLS and log
/// in. A session is used by one sender at a time; at most <see cref="MaxIdle"/> wait for the next e-mail, each for at most
/// <see cref="MaxIdleTime"/> (servers close idle sessions, RFC 5321 after 5 minutes at the earliest). A kept session the server has
/// closed anyway fails at its first command, before the server accepted anything, and the e-mail goes out on a new one.
/// </summary>
internal sealed class SmtpConnections(SmtpOptions options) : IAsyncDisposable
{
    public const int MaxIdle = 8;

    public static readonly TimeSpan MaxIdleTime = TimeSpan.FromSeconds(30);

    private readonly Stack<(SmtpClient Client, long IdleSince)> _idle = new();
    private bool _disposed;

    /// <summary>Sessions opened so far: for tests and figures.</summary>
    public int Opened { get; private set; }

    /// <summary>Hands <paramref name="message"/> to the server on a kept session, or on a new one.</summary>
    public async Task SendAsync(MimeMessage message, CancellationToken ct)
    {
        while (Take() is { } kept)
        {
            try
            {
                await kept.SendAsync(message, ct);
                Return(kept);
                return;
            }
            catch (Exception e) when (!ct.IsCancellationRequested && Closed(e))
            {
                // Closed by the server while it waited (or its network went): nothing was accepted on it.
                await QuitAsync(kept);
            }
            catch
            {
                await QuitAsync(kept);
                throw;
            }
        }

        var client = await ConnectAsync(ct);
        try
        {
            await client.SendAsync(message, ct);
        }
        catch
        {
            await QuitAsync(client);
            throw;
        }

        Return(client);
    }

    public async ValueTask DisposeAsync()
    {
        List<SmtpClient> idle;
        lock (_idle)
        {
            _disposed = true;
            idle = [.. _idle.Select(i => i.Client)];
            _idle.Clear();
        }

        await Task.WhenAll(idle.Select(QuitAsync));
    }

    private async Task<SmtpClient> ConnectAsync(CancellationToken ct)
    {
        var client = new SmtpClient { Timeout = (int)options.Timeout.TotalMilliseconds };
        try
        {
            var security = options.EffectiveTls switch
            {
                SmtpTlsMode.StartTls => SecureSocketOptions.StartTls,
                SmtpTlsMode.SslOnConnect => SecureSocketOptions.SslOnConnect,
                _ => SecureSocketOptions.None,
            };
            await client.ConnectAsync(options.Host!, options.Port, security, ct);
            if (!string.IsNullOrEmpty(options.User))
            {
                await client.AuthenticateAsync(options.User, options.Password!, ct);
            }
        }
        catch
        {
            client.Dispose();
            throw;
        }

        lock (_idle)
        {
            Opened++;
        }

        return client;
    }

    /// <summary>The most recently used idle session still open and young enough; the ones passed over are closed.</summary>
    private SmtpClient? Take()
    {
        var stale = new List<SmtpClient>();
        SmtpClient? taken = null;
        lock (_idle)
        {
            while (taken is null && _idle.TryPop(out var top))
            {
                if (top.Client.IsConnected && Stopwatch.GetElapsedTime(top.IdleSince) < MaxIdleTime)
                {
                    taken = top.Client;
                }
                else
                {
                    stale.Add(top.Client);
                }
            }
        }

        foreach (var client in stale)
        {
            _ = QuitAsync(client);
        }

        return taken;
    }

    private void Return(SmtpClient client)
    {
        lock (_idle)
        {
            if (!_disposed && _idle.Count < MaxIdle && client.IsConnected)
            {
                _idle.Push((client, Stopwatch.GetTimestamp()));
                return;
            }
        }

        _ = QuitAsync(client);
    }

    /// <summary>Says goodbye if the session still stands, and lets it go; a failed goodbye changes nothing for an e-mail already accepted.</summary>
    private static async Task QuitAsync(SmtpClient client)
    {
        using (client)
        {
            try
            {
                if (client.IsConnected)
                {
                    using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await client.DisconnectAsync(quit: true, bounded.Token);
                }
            }
            catch (Exception e) when (e is IOException or SocketException or SmtpProtocolException or SmtpCommandException or TimeoutException
                or OperationCanceledException or ServiceNotConnectedException)
            {
                // Gone already.
            }
        }
    }

    /// <summary>The ways a session the server closed while it was kept fails.</summary>
    private static bool Closed(Exception e) => e is ServiceNotConnectedException or IOException or SocketException or SmtpProtocolException
        || (e is SmtpCommandException { StatusCode: SmtpStatusCode.ServiceNotAvailable });
}
