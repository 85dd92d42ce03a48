namespace CotPipeline.Statistics;

/// <summary>The level of measurement that decides how far apart two values of Krippendorff's alpha count.</summary>
public enum KrippendorffMetric
{
    /// <summary>Values are labels: any two different values are equally far apart.</summary>
    Nominal,

    /// <summary>Values are ranks: the distance grows with how many values were used between them.</summary>
    Ordinal,

    /// <summary>Values are on an interval scale: the distance is the squared difference.</summary>
    Interval,
}
