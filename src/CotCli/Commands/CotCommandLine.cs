using System.CommandLine;
using CotCli.Output;

namespace CotCli.Commands;

/// <summary>The <c>cot</c> command tree and its invocation.</summary>
public static class CotCommandLine
{
    public static RootCommand Build()
    {
        var connection = new Connection();
        return new RootCommand("cot: the operator CLI of CotFunctions, over its HTTP API")
        {
            connection.Url,
            connection.Key,
            BatchCommands.Create(connection),
            ItemCommands.Create(connection),
            ExportCommand.Create(connection),
            ReviewerCommands.Create(connection),
        };
    }

    /// <summary>Parses and runs <paramref name="args"/>; a usage error (shown with help) exits with <see cref="ExitCodes.BadInput"/>.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var parse = Build().Parse(args);
        var exit = await parse.InvokeAsync();
        return parse.Errors.Count > 0 ? ExitCodes.BadInput : exit;
    }
}
