using System.Net;
using System.Net.Sockets;

namespace CotPipeline.IntegrationTests.Infrastructure;

/// <summary>Free loopback ports for the servers a test starts.</summary>
internal static class Ports
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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
