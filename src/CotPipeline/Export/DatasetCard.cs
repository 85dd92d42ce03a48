using System.Globalization;
using System.Text;
using CotPipeline.Domain;

namespace CotPipeline.Export;

/// <summary>The counts a dataset card needs, gathered while the items stream past.</summary>
public sealed class ExportSummary
{
    public int Verified { get; private set; }
    public int NotVerified { get; private set; }
    public int Adjudicated { get; private set; }
    public SortedDictionary<string, int> Departments { get; } = new(StringComparer.Ordinal);
    public SortedDictionary<int, int> Rounds { get; } = [];
    public SortedDictionary<string, int> Sources { get; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, int> NotVerifiedStates { get; } = new(StringComparer.Ordinal);

    internal void AddVerified(DatasetLine line)
    {
        Verified++;
        Adjudicated += line.Adjudicated ? 1 : 0;
        Bump(Departments, line.Department);
        Bump(Rounds, line.Rounds);
        Bump(Sources, line.Rationale.Source);
    }

    internal void AddExcluded(string state)
    {
        NotVerified++;
        Bump(NotVerifiedStates, state);
    }

    private static void Bump<T>(SortedDictionary<T, int> counts, T key)
        where T : notnull => counts[key] = counts.GetValueOrDefault(key) + 1;
}

/// <summary>Writes the export's <c>README.md</c>: a Hugging Face dataset card with YAML front matter naming the JSONL files.</summary>
public static class DatasetCard
{
    public static string Write(string batchId, string exportId, BatchSettings settings, ExportSummary summary, AgreementReport agreement, int reviewers)
    {
        var md = new StringBuilder();
        md.AppendLine("---")
            .AppendLine(CultureInfo.InvariantCulture, $"pretty_name: \"CotFunctions batch {batchId}\"")
            .AppendLine("task_categories:")
            .AppendLine("- question-answering")
            .AppendLine("tags:")
            .AppendLine("- medical")
            .AppendLine("- chain-of-thought")
            .AppendLine("configs:");
        foreach (var (config, file) in new[] { ("default", ExportFiles.Dataset), ("sft", ExportFiles.Sft), ("excluded", ExportFiles.Excluded) })
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- config_name: {config}")
                .AppendLine("  data_files:")
                .AppendLine("  - split: train")
                .AppendLine(CultureInfo.InvariantCulture, $"    path: {file}");
        }

        md.AppendLine("---").AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"# Human-verified clinical reasoning: batch `{batchId}`").AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Export `{exportId}`. Medical question–answer pairs, each with a chain-of-thought rationale that physicians scored on a structured rubric until they agreed it was sound.").AppendLine()
            .AppendLine("## Counts").AppendLine()
            .AppendLine("| | items |").AppendLine("|---|---|")
            .AppendLine(CultureInfo.InvariantCulture, $"| verified (`{ExportFiles.Dataset}`, `{ExportFiles.Sft}`) | {summary.Verified} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| of which adjudicated | {summary.Adjudicated} |");
        foreach (var (state, count) in summary.NotVerifiedStates)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {state} (`{ExportFiles.Excluded}`) | {count} |");
        }

        md.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"Reviewers: {reviewers} (pseudonymised as R001, R002, … within this export).").AppendLine();
        Distribution(md, "Departments (verified items)", "department", summary.Departments);
        Distribution(md, "Rounds to verification", "rounds", summary.Rounds);
        Distribution(md, "Source of the final rationale", "source", summary.Sources);

        md.AppendLine("## Rubric").AppendLine()
            .AppendLine("| criterion | name | scale | accept threshold (median) | safety-critical |").AppendLine("|---|---|---|---|---|");
        foreach (var c in settings.Rubric)
        {
            var safety = c.SafetyCritical ? $"yes (veto at ≤ {c.VetoLevel})" : "no";
            md.AppendLine(CultureInfo.InvariantCulture, $"| `{c.Id}` | {c.Name} | {c.ScaleMin}–{c.ScaleMax} | {c.AcceptThreshold} | {safety} |");
        }

        md.AppendLine().AppendLine("## Inter-rater agreement").AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Over every counted review of every round ({ExportFiles.Agreement} has the same per round, per department, and quadratic-weighted Cohen's kappa for reviewer pairs with at least {agreement.MinSharedItemsForKappa} shared items). A dash is undefined (no variation or nothing pairable).").AppendLine()
            .AppendLine("| criterion | Krippendorff's α (ordinal) | α (interval) | exact agreement | n (pairable scores) |").AppendLine("|---|---|---|---|---|");
        foreach (var (criterion, a) in agreement.Overall)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| `{criterion}` | {Number(a.AlphaOrdinal.Value, "0.000")} | {Number(a.AlphaInterval.Value, "0.000")} | {Number(a.ExactAgreementPercent.Value, "0.0")}{(a.ExactAgreementPercent.Value is null ? "" : " %")} | {a.AlphaOrdinal.N} |");
        }

        md.AppendLine().AppendLine("## How it was made").AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"An LLM (`{settings.Model}`, prompt `{settings.PromptVersion}`) drafted a rationale for each pair; automatic gates checked that it reaches the answer key and has {settings.MinSteps}–{settings.MaxSteps} steps. {settings.Loop.ReviewersPerItem} physicians per round scored it on the rubric above and gave a verdict. A version was accepted when every verdict was accept, every criterion's median met its threshold and no safety-critical score was at or below its veto level. Otherwise a reviewer's rewrite (source `human`) or an LLM regeneration with the reviewers' critique (source `llm-regenerated`) was reviewed in the next round; after {settings.Loop.StrikeCap} rejected rounds an adjudicator wrote the final text or excluded the item. Method: arXiv 2505.06912. Produced by CotFunctions.").AppendLine()
            .AppendLine("## Files").AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"- `{ExportFiles.Dataset}`: per verified item — id, department, question, options, answer, the final rationale (text, steps, source), rounds, every counted review's scores per criterion per round, each round's consensus decision, adjudicated, model, prompt version.")
            .AppendLine(CultureInfo.InvariantCulture, $"- `{ExportFiles.Sft}`: the training view `{{\"Question\", \"Complex_CoT\", \"Response\"}}` (question with its options; the rationale; the key with its option text).")
            .AppendLine(CultureInfo.InvariantCulture, $"- `{ExportFiles.Excluded}`: items not verified, with their state and reason.")
            .AppendLine(CultureInfo.InvariantCulture, $"- `{ExportFiles.Agreement}`: the agreement report.");
        return md.ToString();
    }

    private static void Distribution<T>(StringBuilder md, string title, string key, SortedDictionary<T, int> counts)
        where T : notnull
    {
        md.AppendLine(CultureInfo.InvariantCulture, $"## {title}").AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"| {key} | items |").AppendLine("|---|---|");
        foreach (var (value, count) in counts)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {value} | {count} |");
        }

        md.AppendLine();
    }

    private static string Number(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "–";
}
