using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace CotPipeline.IntegrationTests.Infrastructure;

/// <summary>Free loopback ports for the servers a test starts.</summary>
internal static class Ports
{
    private static readonly ConcurrentDictionary<int, bool> HandedOut = new();

    /// <summary>
    /// A port nothing listens on now, and never one handed out before in this process. A server given a port binds it only once
    /// it has started, seconds later for smtp4dev or Azurite; the OS may hand the same port to the next caller meanwhile. The
    /// likely cause of a CI failure: local-host tests got "connection refused" from their smtp4dev's API just as another test's
    /// in-memory engine (given its port here) stopped, as if the engine had taken that port and the wait had found it there.
    /// </summary>
    public static int Free()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            if (HandedOut.TryAdd(port, true))
            {
                return port;
            }
        }
    }

    public static async Task WaitListeningAsync(int port, TimeSpan timeout, Func<string?> whyNot)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && whyNot() is null)
            {
                await Task.Delay(100);
            }
            catch (SocketException)
            {
                throw new InvalidOperationException($"Nothing listens on 127.0.0.1:{port} after {timeout.TotalSeconds:0} s. {whyNot()}");
            }
        }
    }
}
