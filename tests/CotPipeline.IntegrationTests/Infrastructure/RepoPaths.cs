namespace CotPipeline.IntegrationTests.Infrastructure;

/// <summary>Paths in the repository and its build output, found from the test assembly's folder.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>"Debug" or "Release": the configuration this test assembly was built with, which built the other projects too.</summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;

    public static string BuildOutput(string project, string file)
    {
        var path = Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", file);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} is missing: build the solution (dotnet build CotFunctions.sln -c {Configuration}) before the tests.", path);
        }

        return path;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CotFunctions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"CotFunctions.sln not found above {AppContext.BaseDirectory}.");
    }
}
