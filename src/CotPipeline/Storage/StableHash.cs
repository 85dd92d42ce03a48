namespace CotPipeline.Storage;

/// <summary>
/// FNV-1a over a string's UTF-16 code units: the same value in every process and run (unlike
/// <see cref="string.GetHashCode()"/>), for choices that must be repeatable across retries and hosts.
/// </summary>
public static class StableHash
{
    public static uint Of(string text)
    {
        var hash = 2166136261u;
        foreach (var ch in text)
        {
            hash = (hash ^ ch) * 16777619u;
        }

        return hash;
    }
}
