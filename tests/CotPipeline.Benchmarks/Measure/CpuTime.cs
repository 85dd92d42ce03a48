using System.Diagnostics;

namespace CotPipeline.Benchmarks.Measure;

/// <summary>
/// CPU time (user + system) used by this process and by its child processes (Azurite, mail servers) over a stretch of a
/// scenario. Unlike wall time it barely moves with the machine's load, so it compares runs made under different loads.
/// </summary>
internal sealed class CpuTime
{
    private readonly TimeSpan _selfAtStart;
    private readonly Dictionary<int, (string Name, TimeSpan AtStart)> _children;

    private CpuTime()
    {
        _selfAtStart = Process.GetCurrentProcess().TotalProcessorTime;
        _children = Children().ToDictionary(c => c.Pid, c => (c.Name, c.Cpu));
    }

    public static CpuTime Start() => new();

    /// <summary>Seconds of CPU since the start: this process, and each child still running by name.</summary>
    public (double Self, IReadOnlyList<(string Name, double Seconds)> Children) Read()
    {
        var self = (Process.GetCurrentProcess().TotalProcessorTime - _selfAtStart).TotalSeconds;
        var children = Children()
            .Select(c => (c.Name, (c.Cpu - (_children.TryGetValue(c.Pid, out var s) ? s.AtStart : TimeSpan.Zero)).TotalSeconds))
            .ToList();
        return (self, children);
    }

    /// <summary>Child processes on Linux (from /proc), with a short name and their CPU time; none elsewhere.</summary>
    private static IEnumerable<(int Pid, string Name, TimeSpan Cpu)> Children()
    {
        if (!OperatingSystem.IsLinux())
        {
            yield break;
        }

        var me = Environment.ProcessId.ToString();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            string stat;
            string command;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
                command = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            // Fields after the command name (which is in parentheses and may hold spaces): state, ppid, …, utime (14), stime (15).
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (fields[1] != me)
            {
                continue;
            }

            var ticks = long.Parse(fields[11]) + long.Parse(fields[12]);
            var name = !command.Contains("azurite", StringComparison.Ordinal) ? Path.GetFileName(command.Split(' ')[0])
                : new[] { "blob", "queue", "table" }.FirstOrDefault(s => command.Contains($"/{s}/main.js", StringComparison.Ordinal)) is { } service
                    ? $"azurite-{service}"
                    : "azurite";
            yield return (pid, name, TimeSpan.FromSeconds(ticks / 100.0));
        }
    }
}
