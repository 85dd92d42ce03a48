namespace CotPipeline.Statistics;

/// <summary>An agreement coefficient and the count it rests on; <see cref="Value"/> is null where the coefficient is undefined.</summary>
/// <param name="Value">
/// The coefficient, or null when the data cannot define it (no pairable ratings, or no variation at all, which makes
/// the chance term 0/0). Null rather than NaN so a caller cannot average an undefined value in by accident.
/// </param>
/// <param name="N">What the coefficient rests on; each method documents its unit (pairable values, subjects, pairs, units).</param>
public sealed record AgreementResult(double? Value, int N);
