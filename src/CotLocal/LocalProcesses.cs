using System.Diagnostics;
using System.Net.Sockets;

namespace CotLocal;

/// <summary>What the launchers of local servers (Azurite, smtp4dev) share: is a port taken, run an installer to its end, start a server.</summary>
internal static class LocalProcesses
{
    public static async Task<bool> IsListeningAsync(string host, int port, CancellationToken ct)
    {
        using var client = new TcpClient();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(1));
            await client.ConnectAsync(host, port, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Runs <paramref name="file"/> to its end; a non-zero exit code throws with what the program printed.</summary>
    public static async Task RunAsync(string file, string[] args, CancellationToken ct)
    {
        var info = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed with exit code {process.ExitCode}: {await stderr}{await stdout}");
        }
    }

    /// <summary>
    /// Starts a server and waits until every one of <paramref name="ports"/> listens. Its standard error goes to
    /// <paramref name="onError"/> line by line (its output is drained). If it exits first, or is not listening within
    /// <paramref name="patience"/> (generous: a loaded 2-core machine starts node slowly), it is stopped and the start fails
    /// with <paramref name="failure"/>'s sentence, given the exit code if there is one.
    /// </summary>
    public static async Task<Process> StartServerAsync(
        string file, IEnumerable<string> args, int[] ports, TimeSpan patience, Action<string> onError, Func<string, string> failure, CancellationToken ct)
    {
        var info = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (!string.IsNullOrWhiteSpace(e.Data))
            {
                onError(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + patience;
        foreach (var port in ports)
        {
            while (!await IsListeningAsync("127.0.0.1", port, ct))
            {
                if (process.HasExited || DateTime.UtcNow > deadline)
                {
                    var exit = process.HasExited ? $"exit code {process.ExitCode}" : $"not listening after {patience.TotalSeconds:0} s";
                    if (!process.HasExited)
                    {
                        process.Kill(entireProcessTree: true);
                    }

                    process.Dispose();
                    throw new InvalidOperationException(failure(exit));
                }

                await Task.Delay(200, ct);
            }
        }

        return process;
    }
}
