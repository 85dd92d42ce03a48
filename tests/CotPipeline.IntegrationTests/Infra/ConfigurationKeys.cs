using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;
using CotPipeline.Options;

namespace CotPipeline.IntegrationTests.Infra;

/// <summary>
/// The configuration keys the app binds, computed from CotPipeline's option classes (every class with a
/// <c>public const string Section</c>): <c>Section:Property</c>, recursing into nested option objects. A collection
/// is one key (<c>Rubric:Criteria</c>): it is set or documented as a whole.
/// </summary>
internal static partial class ConfigurationKeys
{
    public static IReadOnlyList<string> Bound { get; } = Compute();

    /// <summary>The keys of the "Settings the template leaves unset" table in infra/README.md.</summary>
    public static IReadOnlyList<string> DocumentedOptional(string readme) =>
        OptionalRow().Matches(readme).Select(m => m.Groups[1].Value).ToList();

    /// <summary>An app setting name as a configuration key: <c>Storage__AccountName</c> is <c>Storage:AccountName</c>.</summary>
    public static string FromAppSetting(string name) => name.Replace("__", ":", StringComparison.Ordinal);

    private static List<string> Compute()
    {
        var sections = typeof(PipelineOptions).Assembly.GetTypes()
            .Select(t => (Type: t, Field: t.GetField("Section", BindingFlags.Public | BindingFlags.Static)))
            .Where(x => x.Field is { IsLiteral: true } && x.Field.FieldType == typeof(string))
            .Select(x => (x.Type, Section: (string)x.Field!.GetRawConstantValue()!))
            .ToList();
        Assert.True(sections.Count >= 5, $"expected CotPipeline's option classes, found {sections.Count}");
        return sections.SelectMany(s => Keys(s.Type, s.Section)).Order(StringComparer.Ordinal).ToList();
    }

    private static IEnumerable<string> Keys(Type type, string prefix)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.SetMethod is not { IsPublic: true })
            {
                continue;
            }

            var key = $"{prefix}:{property.Name}";
            var t = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var simple = t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || t == typeof(TimeSpan) || t == typeof(Uri)
                || t == typeof(DateTime) || t == typeof(DateTimeOffset);
            if (simple || typeof(IEnumerable).IsAssignableFrom(t))
            {
                yield return key;
            }
            else
            {
                foreach (var nested in Keys(t, key))
                {
                    yield return nested;
                }
            }
        }
    }

    [GeneratedRegex(@"^\| `([A-Za-z]+:[A-Za-z:]+)` \|", RegexOptions.Multiline)]
    private static partial Regex OptionalRow();
}
