namespace CotPipeline.Domain;

/// <summary>
/// Automatic checks a drafted rationale must pass before any expert sees it: no reviewer time is spent on a
/// rationale that reaches the wrong answer or has no structure.
/// </summary>
public static class Gates
{
    public static IReadOnlyList<string> Check(QaItem item, IReadOnlyList<string> steps, string finalAnswer, BatchSettings settings)
    {
        var problems = new List<string>();
        if (!string.Equals(finalAnswer.Trim(), item.Answer, StringComparison.Ordinal))
        {
            problems.Add($"the final answer is \"{Storage.Ids.Shorten(finalAnswer.Trim(), 20)}\" but the key is \"{item.Answer}\"");
        }

        if (steps.Count < settings.MinSteps || steps.Count > settings.MaxSteps)
        {
            problems.Add($"the rationale has {steps.Count} steps; between {settings.MinSteps} and {settings.MaxSteps} are required");
        }

        if (steps.Any(string.IsNullOrWhiteSpace))
        {
            problems.Add("the rationale has an empty step");
        }

        var length = RationaleText.Format(steps).Length;
        if (length > settings.MaxRationaleChars)
        {
            problems.Add($"the rationale is {length:N0} characters long; at most {settings.MaxRationaleChars:N0} are allowed");
        }

        return problems;
    }
}
