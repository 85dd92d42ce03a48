using CotPipeline.Llm;
using CotPipeline.Options;

namespace CotPipeline.Domain;

/// <summary>The critique of a round as readable text, recorded on the version that answers it.</summary>
public static class CritiqueText
{
    public static string Format(IReadOnlyList<CritiqueEntry> critique, IReadOnlyList<RubricCriterion> rubric)
    {
        var lines = new List<string>();
        foreach (var entry in critique)
        {
            lines.Add($"{entry.Reviewer} ({(entry.Verdict == Verdict.Accept ? "accept" : "needs revision")}):");
            foreach (var criterion in rubric)
            {
                var score = entry.Scores.TryGetValue(criterion.Id, out var s) ? s.ToString() : "–";
                var comment = entry.Comments.TryGetValue(criterion.Id, out var c) && !string.IsNullOrWhiteSpace(c) ? $" — {c.Trim()}" : "";
                lines.Add($"  {criterion.Name}: {score}/{criterion.ScaleMax}{comment}");
            }

            if (entry.Comments.TryGetValue(Review.GeneralComment, out var general) && !string.IsNullOrWhiteSpace(general))
            {
                lines.Add($"  General: {general.Trim()}");
            }
        }

        return string.Join('\n', lines);
    }
}
