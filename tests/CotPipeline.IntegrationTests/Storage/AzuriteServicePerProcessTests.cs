using System.Diagnostics;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using CotPipeline.IntegrationTests.Infrastructure;

namespace CotPipeline.IntegrationTests.Storage;

/// <summary>
/// The benchmark's Azurite with a process per service (<see cref="AzuriteFixture.ServicePerProcess"/>): the same connection string
/// reaches blob and table, blob, queue and table are each served by a node process of its own, and disposing the fixture ends all three.
/// </summary>
public sealed class AzuriteServicePerProcessTests
{
    [Fact]
    public async Task ServicePerProcess_EachServiceAnswersFromItsOwnProcess_AllEndWithTheFixture()
    {
        var azurite = new AzuriteFixture { ServicePerProcess = true };
        await azurite.InitializeAsync();
        List<int> servers;
        try
        {
            var container = new BlobContainerClient(azurite.ConnectionString, "split");
            await container.CreateAsync();
            await container.UploadBlobAsync("a.txt", BinaryData.FromString("blob"));
            var table = new TableClient(azurite.ConnectionString, "split");
            await table.CreateAsync();
            await table.AddEntityAsync(new TableEntity("p", "r") { ["V"] = "row" });

            Assert.Equal("blob", (await container.GetBlobClient("a.txt").DownloadContentAsync()).Value.Content.ToString());
            Assert.Equal("row", (await table.GetEntityAsync<TableEntity>("p", "r")).Value.GetString("V"));
            servers = ServerPids(azurite);
            Assert.Equal(3, servers.Count);
        }
        finally
        {
            await azurite.DisposeAsync();
        }

        Assert.All(servers, pid => Assert.False(IsRunning(pid), $"Azurite process {pid} is still running after the fixture ended."));
    }

    /// <summary>The node processes listening on the fixture's three ports (from the command lines naming them).</summary>
    private static List<int> ServerPids(AzuriteFixture azurite) =>
        Process.GetProcessesByName("node")
            .Where(p => CommandLine(p.Id) is { } command
                && new[] { azurite.BlobPort, azurite.QueuePort, azurite.TablePort }.Any(port => command.Contains($" {port} ", StringComparison.Ordinal) || command.EndsWith($" {port}", StringComparison.Ordinal)))
            .Select(p => p.Id)
            .ToList();

    private static string? CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').TrimEnd();
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
