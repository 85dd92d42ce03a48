using System.ComponentModel.DataAnnotations;

namespace CotPipeline.Options;

/// <summary>One rubric criterion: its scale, the anchor text of each level, and what it takes to pass.</summary>
public sealed class RubricCriterion
{
    [Required, RegularExpression("^[a-z][a-z0-9_]{0,39}$")]
    public string Id { get; set; } = "";

    [Required]
    public string Name { get; set; } = "";

    public string Description { get; set; } = "";

    [Range(0, 10)]
    public int ScaleMin { get; set; } = 1;

    [Range(1, 10)]
    public int ScaleMax { get; set; } = 5;

    /// <summary>Anchor text per level, keyed by the level ("1" … "5").</summary>
    public Dictionary<string, string> Anchors { get; set; } = [];

    /// <summary>The median score this criterion needs for the version to be accepted.</summary>
    public double AcceptThreshold { get; set; } = 4;

    /// <summary>A safety-critical criterion vetoes acceptance when any reviewer scores it at or below <see cref="VetoLevel"/>.</summary>
    public bool SafetyCritical { get; set; }

    public int VetoLevel { get; set; } = 2;
}

/// <summary>The review rubric. Data, not code: configured under <c>Rubric</c>, snapshotted into each batch.</summary>
public sealed class RubricOptions : IHasProblems
{
    public const string Section = "Rubric";

    public List<RubricCriterion> Criteria { get; set; } = [];

    /// <summary>The method's five dimensions, each on a 1–5 scale; medical correctness is safety-critical.</summary>
    public static RubricOptions Default() => new()
    {
        Criteria =
        [
            Criterion("medical_correctness", "Medical correctness",
                "Every medical fact, mechanism and inference in the rationale is correct.",
                "Contains a dangerous or clearly wrong medical claim.",
                "Contains a wrong claim that affects the conclusion.",
                "Mostly correct; a minor inaccuracy that does not change the conclusion.",
                "Correct; only wording could be more precise.",
                "Fully correct and consistent with current guidelines.",
                safetyCritical: true),
            Criterion("reasoning_structure", "Reasoning structure",
                "The steps follow a clear, logical order from the question to the answer.",
                "No discernible reasoning; jumps to the answer.",
                "Steps are out of order or contain logical gaps.",
                "Followable, with one gap or redundant step.",
                "Logical and ordered; small redundancies.",
                "Each step follows from the previous; options are ruled out explicitly."),
            Criterion("information_sufficiency", "Information sufficiency",
                "The rationale uses the key findings of the question and explains why the other options are wrong.",
                "Ignores the key findings of the question.",
                "Misses several key findings or options.",
                "Uses the main findings; some options not addressed.",
                "Uses nearly all relevant findings and options.",
                "Complete: every key finding and every option is addressed."),
            Criterion("terminology_clarity", "Terminology clarity",
                "Medical terms are used correctly and the text is clear to a physician.",
                "Terminology misused throughout; hard to understand.",
                "Several terms misused or ambiguous.",
                "Understandable; some imprecise terms.",
                "Clear, with correct terminology.",
                "Precise, concise, standard terminology throughout."),
            Criterion("clinical_value", "Clinical value",
                "The rationale teaches reasoning a clinician would use in practice.",
                "No clinical value; could mislead.",
                "Little value beyond restating the answer.",
                "Some useful clinical reasoning.",
                "Useful reasoning a trainee could learn from.",
                "Exemplary clinical reasoning worth teaching."),
        ],
    };

    private static RubricCriterion Criterion(
        string id, string name, string description, string a1, string a2, string a3, string a4, string a5,
        bool safetyCritical = false) => new()
        {
            Id = id,
            Name = name,
            Description = description,
            Anchors = new() { ["1"] = a1, ["2"] = a2, ["3"] = a3, ["4"] = a4, ["5"] = a5 },
            AcceptThreshold = 4,
            SafetyCritical = safetyCritical,
            VetoLevel = 2,
        };

    /// <summary>Every problem with this rubric, each naming the criterion; empty when the rubric is usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Criteria.Count == 0)
        {
            problems.Add("Rubric:Criteria is empty: at least one criterion is required.");
        }

        foreach (var dup in Criteria.GroupBy(c => c.Id).Where(g => g.Count() > 1))
        {
            problems.Add($"Rubric:Criteria: id \"{dup.Key}\" appears {dup.Count()} times.");
        }

        for (var i = 0; i < Criteria.Count; i++)
        {
            var c = Criteria[i];
            var at = $"Rubric:Criteria:{i} (\"{c.Id}\")";
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(c, new ValidationContext(c), results, validateAllProperties: true))
            {
                problems.AddRange(results.Select(r => $"{at}: {r.ErrorMessage}"));
            }

            if (c.ScaleMin >= c.ScaleMax)
            {
                problems.Add($"{at}: ScaleMin {c.ScaleMin} must be below ScaleMax {c.ScaleMax}.");
            }

            if (c.AcceptThreshold < c.ScaleMin || c.AcceptThreshold > c.ScaleMax)
            {
                problems.Add($"{at}: AcceptThreshold {c.AcceptThreshold} is outside the scale {c.ScaleMin}–{c.ScaleMax}.");
            }

            if (c.SafetyCritical && (c.VetoLevel < c.ScaleMin || c.VetoLevel >= c.AcceptThreshold))
            {
                problems.Add($"{at}: VetoLevel {c.VetoLevel} must be on the scale and below AcceptThreshold {c.AcceptThreshold}.");
            }
        }

        return problems;
    }
}
