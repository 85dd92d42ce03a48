using CotPipeline.IntegrationTests.Infrastructure;

namespace CotPipeline.IntegrationTests.Cli;

/// <summary><c>cot</c> where no server is needed to fail: nothing listening, usage errors, missing files.</summary>
public sealed class CliOfflineTests
{
    [Fact]
    public async Task BatchStatus_NothingListening_ExitThreeWithUrlAndStartHint()
    {
        var url = $"http://127.0.0.1:{Ports.Free()}";

        using var cot = new CotRunner(url, "cli-key");
        var run = await cot.RunAsync("batch", "status", "cli-none");

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Contains($"nothing answers at {url}/", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("Is CotLocal running? Start it with: dotnet run --project src/CotLocal", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("batch", "submit", "missing.jsonl")]
    [InlineData("reviewers", "import", "missing.csv")]
    public async Task FileCommand_MissingFile_ExitTwoNamingIt(params string[] args)
    {
        using var cot = Offline();
        var run = await cot.RunAsync(args);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("error: file not found: ", run.Stderr, StringComparison.Ordinal);
        Assert.Contains(args[^1], run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("batch")]
    [InlineData("batch", "status")]
    [InlineData("export", "cli-x")]
    [InlineData("batch", "list", "--no-such-option")]
    public async Task Command_UsageError_ExitTwo(params string[] args)
    {
        using var cot = Offline();
        var run = await cot.RunAsync(args);

        Assert.True(run.ExitCode == 2, run.ToString());
    }

    [Fact]
    public async Task ReviewersImport_UnknownFileType_ExitTwo()
    {
        using var cot = Offline();
        var file = cot.WriteFile("reviewers.txt", ["id,name"]);

        var run = await cot.RunAsync("reviewers", "import", file);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("reviewers.txt: use a .csv file or a .json file", run.Stderr, StringComparison.Ordinal);
    }

    /// <summary>A runner pointed at a port nothing listens on, for failures that must come before any request.</summary>
    private static CotRunner Offline() => new($"http://127.0.0.1:{Ports.Free()}", null);
}
