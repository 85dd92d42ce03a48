using Spectre.Console;

namespace CotCli.Output;

/// <summary>Where <c>cot</c> writes: results to stdout, errors and hints to stderr, each with Spectre's own terminal detection.</summary>
public static class Consoles
{
    public static IAnsiConsole Out { get; } = AnsiConsole.Console;

    public static IAnsiConsole Error { get; } = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    /// <summary>True when stdout is a terminal that can redraw a live progress bar; otherwise progress is printed line by line.</summary>
    public static bool CanRedraw => !Console.IsOutputRedirected && Out.Profile.Capabilities.Interactive;
}
