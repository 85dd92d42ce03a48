namespace CotPipeline.Export;

/// <summary>
/// Stable pseudonyms for reviewers within one export (R001, R002, … in order of first appearance), so the dataset
/// shows who agreed with whom without naming anyone.
/// </summary>
internal sealed class Pseudonyms
{
    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);

    public string Of(string reviewerId)
    {
        if (!_names.TryGetValue(reviewerId, out var name))
        {
            name = $"R{_names.Count + 1:D3}";
            _names.Add(reviewerId, name);
        }

        return name;
    }

    public int Count => _names.Count;
}
