using System.Diagnostics;
using System.Text;

namespace CotPipeline.IntegrationTests.Infrastructure;

/// <summary>Everything a child process writes to stdout and stderr, kept for failure messages.</summary>
internal sealed class CapturedOutput
{
    private readonly StringBuilder _text = new();

    /// <summary>Starts <paramref name="start"/> with both streams redirected into this capture.</summary>
    public Process Start(ProcessStartInfo start)
    {
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public override string ToString()
    {
        lock (_text)
        {
            return _text.ToString();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_text)
        {
            _text.AppendLine(line);
        }
    }
}
