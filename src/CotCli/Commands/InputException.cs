namespace CotCli.Commands;

/// <summary>What the operator gave cannot be used (a missing file, an unknown file type): exit code 2 with the message.</summary>
public sealed class InputException(string message) : Exception(message);
