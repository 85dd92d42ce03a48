using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.DurableTask.Testing;

namespace CotPipeline.Tests.Orchestrations;

/// <summary>What the tests' <c>InMemoryEngine</c> counts on: the test host reports a taken port as this error, and only then does it try another.</summary>
public sealed class InMemoryEngineTests
{
    [Fact]
    public async Task TestHost_OnATakenPort_FailsWithTheErrorInMemoryEngineTriesAgainOn()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var e = await Assert.ThrowsAsync<IOException>(() => DurableTaskTestHost.StartAsync(_ => { }, new DurableTaskTestHostOptions { Port = port }));

        Assert.IsType<AddressInUseException>(e.InnerException);
    }
}
