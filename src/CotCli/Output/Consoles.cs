using Spectre.Console;

namespace CotCli.Output;

/// <summary>Where <c>cot</c> writes: results to stdout, errors and hints to stderr, each with Spectre's own terminal detection.</summary>
public static class Consoles
{
    /// <summary>
    /// Line width when stdout goes to a file or a pipe (Spectre would assume 80): wide enough that tables and steps are
    /// rarely wrapped, narrow enough for the rules between sections.
    /// </summary>
    public const int RedirectedWidth = 120;

    public static IAnsiConsole Out { get; } = Create(Console.Out, Console.IsOutputRedirected ? RedirectedWidth : null);

    /// <summary>Errors are single messages, never tables: when redirected they are not wrapped at all, so each stays one line.</summary>
    public static IAnsiConsole Error { get; } = Create(Console.Error, Console.IsErrorRedirected ? 10_000 : null);

    /// <summary>True when stdout is a terminal that can redraw a live progress bar; otherwise progress is printed line by line.</summary>
    public static bool CanRedraw => !Console.IsOutputRedirected && Out.Profile.Capabilities.Interactive;

    private static IAnsiConsole Create(TextWriter writer, int? width)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
        if (width is { } w)
        {
            console.Profile.Width = w;
        }

        return console;
    }
}
