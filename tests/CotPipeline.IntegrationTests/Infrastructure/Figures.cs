namespace CotPipeline.IntegrationTests.Infrastructure;

/// <summary>Measured figures, appended to <c>artifacts/figures.txt</c> at the repository root so CI prints them.</summary>
internal static class Figures
{
    private static readonly Lock Gate = new();

    public static void Write(string line)
    {
        var dir = Path.Combine(RepoPaths.Root, "artifacts");
        Directory.CreateDirectory(dir);
        lock (Gate)
        {
            File.AppendAllText(Path.Combine(dir, "figures.txt"), $"{DateTime.UtcNow:u}  {line}\n");
        }
    }
}
