namespace CotCli.Output;

/// <summary>The exit codes of <c>cot</c>, the same for every command (README, "Operator CLI").</summary>
public static class ExitCodes
{
    public const int Success = 0;
    /// <summary>The server answered with an error (or an unexpected answer), or the key was refused.</summary>
    public const int ServerError = 1;
    /// <summary>What the operator gave is wrong: usage, a missing file, or input the server refused as not valid.</summary>
    public const int BadInput = 2;
    /// <summary>Nothing answered at the API's address.</summary>
    public const int Unreachable = 3;
    /// <summary>Stopped with Ctrl+C (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;
}
