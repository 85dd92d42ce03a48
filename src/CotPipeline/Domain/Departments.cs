namespace CotPipeline.Domain;

/// <summary>Reviewer departments (specialties), stored '|'-separated; "*" reviews any department.</summary>
public static class Departments
{
    public const int MaxLength = 64;

    /// <summary>The rule of <see cref="IsValidName"/> as users read it: '|' separates stored departments, ';' CSV cells.</summary>
    public const string Rule = "at most 64 characters each; no '|', ';' or control characters";

    public static IReadOnlyList<string> Split(string stored) =>
        stored.Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static string Join(IEnumerable<string> departments) =>
        string.Join('|', departments.Select(d => d.Trim()).Where(d => d.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase));

    public static bool Matches(string stored, string department) =>
        Split(stored).Any(d => d == "*" || string.Equals(d, department, StringComparison.OrdinalIgnoreCase));

    /// <summary>True for a name a reviewer or a routing rule may use (see <see cref="Rule"/>).</summary>
    public static bool IsValidName(string? department) =>
        !string.IsNullOrWhiteSpace(department) && department.Length <= MaxLength
        && !department.Any(c => c is '|' or ';' || char.IsControl(c));
}
