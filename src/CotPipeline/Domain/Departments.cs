namespace CotPipeline.Domain;

/// <summary>Reviewer departments (specialties), stored '|'-separated; "*" reviews any department.</summary>
public static class Departments
{
    public static IReadOnlyList<string> Split(string stored) =>
        stored.Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static string Join(IEnumerable<string> departments) =>
        string.Join('|', departments.Select(d => d.Trim()).Where(d => d.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase));

    public static bool Matches(string stored, string department) =>
        Split(stored).Any(d => d == "*" || string.Equals(d, department, StringComparison.OrdinalIgnoreCase));
}
