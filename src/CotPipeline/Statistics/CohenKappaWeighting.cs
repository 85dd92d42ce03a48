namespace CotPipeline.Statistics;

/// <summary>How Cohen's kappa weighs a disagreement between two categories.</summary>
public enum CohenKappaWeighting
{
    /// <summary>Every disagreement counts fully, however far apart the categories are.</summary>
    Unweighted,

    /// <summary>A disagreement counts by the squared distance between categories, so near misses on a scale cost little.</summary>
    Quadratic,
}
