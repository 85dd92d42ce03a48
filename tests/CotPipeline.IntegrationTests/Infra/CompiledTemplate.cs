using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using CotPipeline.IntegrationTests.Infrastructure;

namespace CotPipeline.IntegrationTests.Infra;

/// <summary>One resource of the compiled template, with the nested deployment (module) template it is declared in.</summary>
internal sealed record TemplateResource(string Type, JsonObject Body, JsonObject Template)
{
    public JsonObject Properties => Body["properties"]?.AsObject() ?? [];
}

/// <summary>
/// <c>infra/main.bicep</c> compiled to ARM JSON: CI's <c>artifacts/infra/main.json</c> when it is newer than every
/// .bicep file, otherwise compiled here with the Bicep CLI that <c>.config/bicep</c> restores.
/// </summary>
internal static class CompiledTemplate
{
    private static readonly Lazy<JsonObject> Root = new(Load);
    private static readonly Lazy<List<TemplateResource>> All = new(() => Flatten(Root.Value).ToList());

    public static JsonObject Main => Root.Value;

    /// <summary>Every resource, modules' resources included (a module is a nested deployment with its own template).</summary>
    public static IReadOnlyList<TemplateResource> Resources => All.Value;

    public static IEnumerable<TemplateResource> OfType(string type) =>
        Resources.Where(r => string.Equals(r.Type, type, StringComparison.OrdinalIgnoreCase));

    public static TemplateResource Single(string type)
    {
        var found = OfType(type).ToList();
        Assert.True(found.Count == 1, $"expected one {type} in the template, found {found.Count}");
        return found[0];
    }

    /// <summary>The module (nested deployment) whose template declares a resource of <paramref name="type"/>.</summary>
    public static JsonObject ModuleDeclaring(string type) =>
        OfType("Microsoft.Resources/deployments")
            .Single(m => ResourcesOf(m.Properties["template"]!.AsObject()).Any(r => (string?)r["type"] == type))
            .Body;

    private static IEnumerable<TemplateResource> Flatten(JsonObject template)
    {
        foreach (var body in ResourcesOf(template))
        {
            var type = (string)body["type"]!;
            yield return new TemplateResource(type, body, template);
            if (type == "Microsoft.Resources/deployments" && body["properties"]?["template"] is JsonObject inner)
            {
                foreach (var nested in Flatten(inner))
                {
                    yield return nested;
                }
            }
        }
    }

    // Language version 2.0 templates keep resources in an object keyed by symbolic name; older ones in an array.
    private static IEnumerable<JsonObject> ResourcesOf(JsonObject template) => template["resources"] switch
    {
        JsonArray array => array.Select(r => r!.AsObject()),
        JsonObject byName => byName.Select(p => p.Value!.AsObject()).Where(r => r["existing"]?.GetValue<bool>() != true),
        _ => [],
    };

    private static JsonObject Load()
    {
        var infra = Path.Combine(RepoPaths.Root, "infra");
        var built = Path.Combine(RepoPaths.Root, "artifacts", "infra", "main.json");
        var newestSource = Directory.EnumerateFiles(infra, "*.bicep", SearchOption.AllDirectories).Max(File.GetLastWriteTimeUtc);
        var path = File.Exists(built) && File.GetLastWriteTimeUtc(built) >= newestSource ? built : Build(infra);
        return JsonNode.Parse(File.ReadAllText(path))!.AsObject();
    }

    private static string Build(string infra)
    {
        var bicep = BicepPath();
        var output = Path.Combine(Path.GetTempPath(), $"cot-main-{Guid.NewGuid():N}.json");
        var start = new ProcessStartInfo(bicep, ["build", Path.Combine(infra, "main.bicep"), "--outfile", output])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0 && File.Exists(output), $"bicep build infra/main.bicep failed:\n{errors.Result}");
        return output;
    }

    /// <summary>The Bicep CLI: <c>$BICEP</c>, else the NuGet package that <c>dotnet restore .config/bicep</c> downloads.</summary>
    public static string BicepPath()
    {
        var project = Path.Combine(RepoPaths.Root, ".config", "bicep", "bicep.csproj");
        var version = XDocument.Load(project).Descendants("BicepVersion").Single().Value;
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p
            ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var path = Environment.GetEnvironmentVariable("BICEP") is { Length: > 0 } configured
            ? configured
            : Path.Combine(packages, "azure.bicep.commandline.linux-x64", version, "tools", "bicep");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"The Bicep CLI {version} is missing at {path}: run `dotnet restore .config/bicep` (CI does) or set BICEP.", path);
        }

        return path;
    }
}
