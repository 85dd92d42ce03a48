using System.Diagnostics;
using CotPipeline.IntegrationTests.Infrastructure;

namespace CotPipeline.IntegrationTests.LocalHost;

/// <summary>A bad setting stops the host at start with the setting's name, not on the first request.</summary>
public sealed class StartupValidationTests
{
    [Theory]
    [InlineData("Pipeline__StrikeCap", "0", "StrikeCap")]
    [InlineData("Pipeline__ReviewersPerItem", "many", "ReviewersPerItem")]
    [InlineData("Pipeline__DepartmentFallbacks__cardiology__0", "cardiology", "Pipeline:DepartmentFallbacks:cardiology:0: \"cardiology\" is the department itself")]
    [InlineData("Rubric__Criteria__0__Id", "Bad Id", "Rubric:Criteria:0")]
    [InlineData("Llm__Provider", "OpenAICompatible", "Llm:Endpoint is required when Llm:Provider is OpenAICompatible")]
    public async Task CotLocal_BadSetting_ExitsNamingIt(string name, string value, string expected)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(RepoPaths.BuildOutput("CotLocal", "CotLocal.dll"));
        start.Environment[name] = value;
        start.Environment["Local__StartAzurite"] = "false";
        start.Environment["Local__Demo"] = "false";
        start.Environment["Local__ApiPort"] = Ports.Free().ToString();
        start.Environment["Local__SidecarPort"] = Ports.Free().ToString();
        start.Environment["Storage__ConnectionString"] = "UseDevelopmentStorage=true";

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"CotLocal kept running with {name}={value}");
        }

        var output = await stdout + await stderr;
        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains(expected, output, StringComparison.Ordinal);
    }
}
