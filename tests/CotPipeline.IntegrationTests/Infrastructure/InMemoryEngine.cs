using Microsoft.AspNetCore.Connections;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Testing;

namespace CotPipeline.IntegrationTests.Infrastructure;

/// <summary>
/// Starts the in-memory Durable Task engine on a loopback port the OS has just handed out. Left to itself, the test host picks a
/// random port between 30,000 and 40,000, which overlaps Linux's ephemeral range: an outgoing connection (to Azurite, to another
/// sidecar) may hold it, and the start fails with "address already in use" (it did in CI). A port can still be taken between
/// asking and binding, so a start that meets that is tried again on another port.
/// </summary>
internal static class InMemoryEngine
{
    private const int Attempts = 5;

    public static async Task<DurableTaskTestHost> StartAsync(Action<DurableTaskRegistry> register, DurableTaskTestHostOptions? options = null,
        CancellationToken ct = default)
    {
        options ??= new DurableTaskTestHostOptions();
        for (var attempt = 1; ; attempt++)
        {
            options.Port = Ports.Free();
            try
            {
                return await DurableTaskTestHost.StartAsync(register, options, ct);
            }
            catch (IOException e) when (e.InnerException is AddressInUseException && attempt < Attempts)
            {
            }
        }
    }
}
