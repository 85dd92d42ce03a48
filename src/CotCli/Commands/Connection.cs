using System.CommandLine;

namespace CotCli.Commands;

/// <summary>
/// Where the API is and the operator key: <c>--url</c>/<c>--key</c> on any command, else <c>COT_URL</c> (default
/// <see cref="DefaultUrl"/>) and <c>COT_API_KEY</c>.
/// </summary>
public sealed class Connection
{
    public const string DefaultUrl = "http://localhost:7071";

    public Option<string?> Url { get; } = new("--url")
    {
        Description = $"The API's address (default: $COT_URL, else {DefaultUrl})",
        Recursive = true,
    };

    public Option<string?> Key { get; } = new("--key")
    {
        Description = "The operator key, sent as X-Api-Key (default: $COT_API_KEY)",
        Recursive = true,
    };

    /// <summary>The base address (the host, without <c>/api</c>) and the key, if any.</summary>
    public (Uri BaseUrl, string? Key) Resolve(ParseResult parse)
    {
        var url = FirstSet(parse.GetValue(Url), Environment.GetEnvironmentVariable("COT_URL")) ?? DefaultUrl;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new InputException($"the API address \"{url}\" is not an http(s) URL (--url or COT_URL).");
        }

        // Routes are below /api; an address given with it ("…/api", as CotLocal prints it) means the same host.
        var path = uri.AbsolutePath.TrimEnd('/');
        if (path.EndsWith("/api", StringComparison.OrdinalIgnoreCase))
        {
            path = path[..^4];
        }

        var baseUrl = new UriBuilder(uri) { Path = path + "/", Query = "" }.Uri;
        var key = FirstSet(parse.GetValue(Key), Environment.GetEnvironmentVariable("COT_API_KEY"));
        if (key is not null && key.Any(char.IsControl))
        {
            // Said without the key itself: it is never printed.
            throw new InputException("the operator key (--key or COT_API_KEY) contains a control character such as a line break.");
        }

        return (baseUrl, key);
    }

    private static string? FirstSet(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim();
}
