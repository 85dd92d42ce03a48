using System.Net;
using CotCli.Api;
using Spectre.Console;

namespace CotCli.Output;

/// <summary>Errors on stderr: what went wrong, the server's Problem Details (title, detail, every listed error), and what to do.</summary>
public static class ErrorView
{
    /// <summary>The hint shown when nothing answers at the API's address.</summary>
    public const string StartHint = "Is CotLocal running? Start it with: dotnet run --project src/CotLocal";

    /// <summary>The hint shown for 401; it names where the key comes from, never the key.</summary>
    public const string KeyRefused = "the operator key was refused: set COT_API_KEY or --key";

    public static void Message(IAnsiConsole console, string message, params string[] more) =>
        Write(console, "[red]error:[/] ", message, more);

    /// <summary>A notice that is not an error (the operator stopped something), without the "error:" prefix.</summary>
    public static void Notice(IAnsiConsole console, string message, params string[] more) =>
        Write(console, "", message, more);

    private static void Write(IAnsiConsole console, string prefix, string message, string[] more)
    {
        console.MarkupLine(prefix + Markup.Escape(message));
        foreach (var line in more)
        {
            console.MarkupLine($"  {Markup.Escape(line)}");
        }
    }

    /// <summary>An HTTP error: 401 with the key hint; otherwise the Problem Details or the start of the body.</summary>
    public static void Api(IAnsiConsole console, ApiException error, Uri baseAddress)
    {
        if (error.Status == HttpStatusCode.Unauthorized)
        {
            Message(console, $"{KeyRefused} ({error.Request} at {baseAddress} answered 401).");
            return;
        }

        var lines = Lines(error);
        Message(console, lines[0], [.. lines.Skip(1)]);
    }

    /// <summary>The error as plain lines: a headline, then the detail and each listed error.</summary>
    public static IReadOnlyList<string> Lines(ApiException error)
    {
        var lines = new List<string>();
        var status = error.StatusText;
        if ((int)error.Status < 400)
        {
            lines.Add($"{error.Request} gave {error.Body ?? "an answer the CLI cannot use"}.");
            return lines;
        }

        if (error.Problem is not { } problem)
        {
            lines.Add($"{error.Request} answered {status}.");
            if (error.Body is { } body)
            {
                lines.AddRange(body.Split('\n').Take(10).Select(l => l.TrimEnd('\r')));
            }

            return lines;
        }

        lines.Add($"{problem.Title ?? status} ({error.Request}: {status})");
        if (problem.Detail is { Length: > 0 } detail)
        {
            lines.Add(detail);
        }

        var errors = problem.ErrorLines;
        lines.AddRange(errors.Select(e => "- " + e));
        if (problem.ErrorCount is { } count && count > errors.Count && errors.Count > 0)
        {
            lines.Add($"… and {count - errors.Count} more ({count} in all; only the first {errors.Count} are listed)");
        }

        return lines;
    }
}
