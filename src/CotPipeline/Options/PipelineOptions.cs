using System.ComponentModel.DataAnnotations;
using CotPipeline.Domain;

namespace CotPipeline.Options;

/// <summary>Settings that shape a batch's review loop; configured under <c>Pipeline</c>, snapshotted into each batch.</summary>
public sealed class PipelineOptions : IHasProblems
{
    public const string Section = "Pipeline";

    /// <summary>Reviewers asked to review each round.</summary>
    [Range(1, 9)]
    public int ReviewersPerItem { get; set; } = 2;

    /// <summary>Extra reviewers a round may add when the reviewers disagree widely.</summary>
    [Range(0, 5)]
    public int MaxExtraReviewers { get; set; } = 1;

    /// <summary>A criterion whose scores span this much or more (max − min) counts as wide disagreement.</summary>
    [Range(1, 10)]
    public int DisagreementSpread { get; set; } = 3;

    /// <summary>Rejected rounds before the item goes to an adjudicator.</summary>
    [Range(1, 20)]
    public int StrikeCap { get; set; } = 5;

    /// <summary>LLM candidates drafted in parallel for each LLM version; the first that passes the gates is kept.</summary>
    [Range(1, 8)]
    public int Candidates { get; set; } = 1;

    /// <summary>Automatic regenerations after failed gates before the item is marked failed.</summary>
    [Range(0, 10)]
    public int MaxAutoRegenerations { get; set; } = 3;

    [Range(typeof(TimeSpan), "00:01:00", "90.00:00:00")]
    public TimeSpan ReviewDeadline { get; set; } = TimeSpan.FromDays(3);

    /// <summary>Reminders a reviewer gets after the deadline before the review is given to someone else.</summary>
    [Range(0, 5)]
    public int RemindersBeforeReassign { get; set; } = 1;

    /// <summary>Time a reminder gives: the new deadline is this long after the reminder.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan ReminderInterval { get; set; } = TimeSpan.FromDays(1);

    [Range(typeof(TimeSpan), "00:01:00", "90.00:00:00")]
    public TimeSpan AdjudicationDeadline { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long an item waits before asking again when no reviewer is free.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ReviewerRetryInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How often a batch's deadline watch looks for review deadlines that passed: a deadline is acted on at most this long late.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan DeadlineCheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Per item department, the other departments to ask, in order, when too few reviewers of the department itself
    /// are free (e.g. <c>cardiology: [emergency, internal-medicine]</c>).
    /// </summary>
    public Dictionary<string, List<string>> DepartmentFallbacks { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>After the department and its fallbacks, whether a reviewer of any other department may be asked.</summary>
    public bool AnyDepartmentLast { get; set; } = true;

    [Range(1, 100)]
    public int MinSteps { get; set; } = 2;

    [Range(1, 200)]
    public int MaxSteps { get; set; } = 30;

    [Range(100, 100_000)]
    public int MaxRationaleChars { get; set; } = 8_000;

    /// <summary>Prompt file (without extension) used for drafts and regenerations.</summary>
    [Required, RegularExpression("^[a-z0-9-]+$")]
    public string PromptVersion { get; set; } = "rationale-v1";

    /// <summary>Every problem with these settings, each naming the setting; empty when usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = AnnotationProblems.Of(this, Section);

        foreach (var (department, fallbacks) in DepartmentFallbacks)
        {
            var at = $"{Section}:{nameof(DepartmentFallbacks)}:{department}";
            if (department == "*")
            {
                problems.Add($"{at}: \"*\" is not a department; list fallbacks under each department they serve.");
            }
            else if (!Departments.IsValidName(department))
            {
                problems.Add($"{at}: \"{department}\" is not a department name ({Departments.Rule}).");
            }

            for (var i = 0; i < fallbacks.Count; i++)
            {
                var fallback = fallbacks[i];
                if (fallback == "*")
                {
                    problems.Add($"{at}:{i}: \"*\" is not a department; {Section}:{nameof(AnyDepartmentLast)} lets any department review last.");
                }
                else if (!Departments.IsValidName(fallback))
                {
                    problems.Add($"{at}:{i}: \"{fallback}\" is not a department name ({Departments.Rule}).");
                }
                else if (string.Equals(fallback, department, StringComparison.OrdinalIgnoreCase))
                {
                    problems.Add($"{at}:{i}: \"{fallback}\" is the department itself; list only other departments.");
                }
                else if (fallbacks.FindIndex(f => string.Equals(f, fallback, StringComparison.OrdinalIgnoreCase)) is var first && first < i)
                {
                    problems.Add($"{at}:{i}: \"{fallback}\" is already listed at {at}:{first}.");
                }
            }
        }

        return problems;
    }
}
