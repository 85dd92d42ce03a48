namespace CotCli.Commands;

/// <summary>What the operator gave cannot be used (a missing file, an unknown file type): exit code 2 with the message.</summary>
public sealed class InputException(string message) : Exception(message)
{
    /// <summary><paramref name="file"/> when it exists; otherwise an <see cref="InputException"/> naming its full path.</summary>
    public static FileInfo Existing(FileInfo file) =>
        file.Exists ? file : throw new InputException($"file not found: {file.FullName}");
}
