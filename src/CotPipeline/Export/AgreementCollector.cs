using CotPipeline.Options;
using CotPipeline.Statistics;

namespace CotPipeline.Export;

/// <summary>
/// Keeps only the counted scores of each item's rounds (small integers per criterion) while the items stream past,
/// then computes the agreement report overall, per round and per department.
/// </summary>
internal sealed class AgreementCollector(IReadOnlyList<RubricCriterion> rubric)
{
    /// <summary>Fewer shared items than this make a pair's kappa too unstable to report.</summary>
    public const int MinSharedItemsForKappa = 5;

    private readonly List<ScoreUnit> _units = [];
    private readonly Dictionary<string, string> _departments = new(StringComparer.Ordinal);

    /// <summary>One unit: the counted reviews of one item's round. <c>Scores[criterion][reviewer]</c>, null where a score is missing.</summary>
    private sealed record ScoreUnit(int Round, string Department, string[] Reviewers, int?[][] Scores);

    /// <summary>Adds one round of one item: each reviewer's pseudonym with their scores.</summary>
    public void Add(int round, string department, IReadOnlyList<(string Reviewer, IReadOnlyDictionary<string, int> Scores)> reviews)
    {
        if (!_departments.TryGetValue(department, out var shared))
        {
            _departments.Add(department, shared = department);
        }

        var scores = rubric.Select(c => reviews.Select(r => r.Scores.TryGetValue(c.Id, out var s) ? s : (int?)null).ToArray()).ToArray();
        _units.Add(new ScoreUnit(round, shared, [.. reviews.Select(r => r.Reviewer)], scores));
    }

    public AgreementReport Build(string batchId, string exportId) => new(
        batchId,
        exportId,
        "one item's round: the scores of the reviews counted in it (late reviews excluded), over every item of the batch",
        MinSharedItemsForKappa,
        Slice(_units),
        _units.GroupBy(u => u.Round).OrderBy(g => g.Key).ToDictionary(g => g.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), g => Slice([.. g])),
        _units.GroupBy(u => u.Department).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => Slice([.. g])));

    private Dictionary<string, CriterionAgreement> Slice(IReadOnlyList<ScoreUnit> units) =>
        rubric.Select((c, i) => (c, i)).ToDictionary(p => p.c.Id, p => Criterion(units, p.i, p.c));

    private static CriterionAgreement Criterion(IReadOnlyList<ScoreUnit> units, int criterion, RubricCriterion scale)
    {
        var values = units.Select(u => (IReadOnlyList<double?>)[.. u.Scores[criterion].Select(s => (double?)s)]).ToList();
        return new CriterionAgreement(
            KrippendorffAlpha.Compute(values, KrippendorffMetric.Ordinal),
            KrippendorffAlpha.Compute(values, KrippendorffMetric.Interval),
            ExactAgreement.Percent(values),
            PairKappas(units, criterion, scale));
    }

    private static List<PairKappa> PairKappas(IReadOnlyList<ScoreUnit> units, int criterion, RubricCriterion scale)
    {
        var pairs = new SortedDictionary<(string First, string Second), (List<int?> First, List<int?> Second)>();
        foreach (var unit in units)
        {
            for (var i = 0; i < unit.Reviewers.Length; i++)
            {
                for (var j = 0; j < unit.Reviewers.Length; j++)
                {
                    if (string.CompareOrdinal(unit.Reviewers[i], unit.Reviewers[j]) >= 0)
                    {
                        continue;
                    }

                    var key = (unit.Reviewers[i], unit.Reviewers[j]);
                    if (!pairs.TryGetValue(key, out var lists))
                    {
                        pairs.Add(key, lists = ([], []));
                    }

                    lists.First.Add(unit.Scores[criterion][i]);
                    lists.Second.Add(unit.Scores[criterion][j]);
                }
            }
        }

        return [.. pairs.Where(p => p.Value.First.Count >= MinSharedItemsForKappa).Select(p =>
        {
            var kappa = CohenKappa.Compute(p.Value.First, p.Value.Second, scale.ScaleMin, scale.ScaleMax, CohenKappaWeighting.Quadratic);
            return new PairKappa(p.Key.First, p.Key.Second, kappa.Value, kappa.N);
        })];
    }
}

/// <summary>The contents of <c>agreement.json</c>: inter-rater agreement per rubric criterion, overall, per round and per department.</summary>
public sealed record AgreementReport(
    string BatchId,
    string ExportId,
    string Unit,
    int MinSharedItemsForKappa,
    IReadOnlyDictionary<string, CriterionAgreement> Overall,
    IReadOnlyDictionary<string, Dictionary<string, CriterionAgreement>> ByRound,
    IReadOnlyDictionary<string, Dictionary<string, CriterionAgreement>> ByDepartment);

/// <summary>Agreement on one criterion: Krippendorff's alpha (ordinal, interval), exact agreement (%), and quadratic-weighted kappa per reviewer pair.</summary>
public sealed record CriterionAgreement(
    AgreementResult AlphaOrdinal,
    AgreementResult AlphaInterval,
    AgreementResult ExactAgreementPercent,
    IReadOnlyList<PairKappa> CohenKappaQuadratic);

/// <summary>Quadratic-weighted Cohen's kappa of two pseudonymised reviewers over the items they both scored.</summary>
public sealed record PairKappa(string First, string Second, double? Value, int N);
