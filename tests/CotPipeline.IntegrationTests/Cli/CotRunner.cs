using System.Diagnostics;
using System.Text;
using CotPipeline.IntegrationTests.Infrastructure;

namespace CotPipeline.IntegrationTests.Cli;

/// <summary>What one run of <c>cot</c> printed and how it exited.</summary>
internal sealed record CotRun(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>
/// Runs the built CLI (<c>dotnet src/CotCli/bin/…/cot.dll</c>) as an operator would, with <c>COT_URL</c> and
/// <c>COT_API_KEY</c> set, output redirected (no terminal) and a working folder of its own, deleted on dispose.
/// </summary>
internal sealed class CotRunner(string url, string? key) : IDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(1);

    public string WorkDir { get; } = Directory.CreateTempSubdirectory("cot-cli-").FullName;

    public async Task<CotRun> RunAsync(params string[] args)
    {
        using var running = Start(args);
        return await running.WaitAsync(DefaultTimeout);
    }

    public RunningCot Start(params string[] args)
    {
        // Through env(1) with SIGINT reset to its default: a test run started in the background (`nohup …&`, as a CI runner
        // may) passes SIGINT down ignored, and .NET then honours that, so Ctrl+C would never reach cot. env execs dotnet in
        // its own process, so the pid stays the one to signal.
        var start = new ProcessStartInfo("env")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = WorkDir,
        };
        start.ArgumentList.Add("--default-signal=INT");
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(RepoPaths.BuildOutput("CotCli", "cot.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["COT_URL"] = url;
        start.Environment.Remove("COT_API_KEY");
        if (key is not null)
        {
            start.Environment["COT_API_KEY"] = key;
        }

        return new RunningCot(Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet cot.dll"));
    }

    public void Dispose() => Directory.Delete(WorkDir, recursive: true);

    /// <summary>A file in the working folder with the given lines (UTF-8, no BOM).</summary>
    public string WriteFile(string name, IEnumerable<string> lines)
    {
        var path = Path.Combine(WorkDir, name);
        File.WriteAllText(path, string.Join('\n', lines) + "\n", new UTF8Encoding(false));
        return path;
    }
}

/// <summary>A <c>cot</c> process still running: its output so far, Ctrl+C, and its end.</summary>
internal sealed class RunningCot : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    public RunningCot(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Stdout => Text(_stdout);

    /// <summary>Sends SIGINT, what Ctrl+C in a terminal sends.</summary>
    public async Task InterruptAsync()
    {
        using var kill = Process.Start("kill", ["-INT", _process.Id.ToString()]);
        await kill.WaitForExitAsync();
    }

    public async Task<CotRun> WaitAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"cot did not end within {timeout.TotalSeconds:0} s.\n--- stdout\n{Stdout}\n--- stderr\n{Text(_stderr)}");
        }

        // WaitForExitAsync also waits for the end of the redirected streams.
        return new CotRun(_process.ExitCode, Stdout, Text(_stderr));
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private static void Append(StringBuilder text, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (text)
        {
            text.AppendLine(line);
        }
    }

    private static string Text(StringBuilder text)
    {
        lock (text)
        {
            return text.ToString();
        }
    }
}
