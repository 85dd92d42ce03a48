using System.ComponentModel.DataAnnotations;
using CotPipeline.Options;

namespace CotPipeline.Llm;

/// <summary>Which chat-completion service drafts rationales.</summary>
public enum LlmProvider
{
    /// <summary>No network: a labelled template rationale (model <c>offline-template</c>) so the loop runs in a demo.</summary>
    Offline,

    /// <summary>Any OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp server, OpenAI).</summary>
    OpenAICompatible,

    /// <summary>Azure OpenAI, with an API key or Entra ID.</summary>
    AzureOpenAI,
}

/// <summary>The LLM that drafts rationales; configured under <c>Llm</c>.</summary>
public sealed class LlmOptions : IHasProblems
{
    public const string Section = "Llm";

    public LlmProvider Provider { get; set; } = LlmProvider.Offline;

    /// <summary>Base URL: e.g. <c>http://localhost:8000/v1</c> for an OpenAI-compatible server, the resource endpoint for Azure.</summary>
    public string? Endpoint { get; set; }

    /// <summary>API key. For Azure, when empty, Entra ID (<c>DefaultAzureCredential</c>) is used.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Client id of a user-assigned managed identity for Entra ID, if any.</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>Model name; for Azure, the deployment name.</summary>
    public string? Model { get; set; }

    [Range(0.0, 2.0)]
    public double Temperature { get; set; } = 0.2;

    [Range(64, 32_000)]
    public int MaxOutputTokens { get; set; } = 1500;

    /// <summary>
    /// Bound on one generation, retries and their waits included. Kept well below the queue's visibility
    /// timeout (5 minutes by default) so a slow call never makes the engine deliver the activity again.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:04:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>Retries after a 408, 429, 5xx or network failure, each after the server's <c>retry-after</c> when it sends one.</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 5;

    /// <summary>This process's share of the deployment's tokens-per-minute quota; 0 means no limit (see <see cref="LlmBudget"/>).</summary>
    [Range(0, 100_000_000)]
    public int TokensPerMinute { get; set; }

    /// <summary>This process's share of the deployment's requests-per-minute quota; 0 means no limit.</summary>
    [Range(0, 1_000_000)]
    public int RequestsPerMinute { get; set; }

    /// <summary><see cref="Endpoint"/> as an absolute http(s) URL; null when it is not one.</summary>
    internal Uri? EndpointUri =>
        Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri : null;

    /// <summary>Every problem with these settings, each naming the setting; empty when usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = AnnotationProblems.Of(this, Section);

        if (Provider == LlmProvider.Offline)
        {
            return problems;
        }

        if (string.IsNullOrWhiteSpace(Endpoint))
        {
            problems.Add($"{Section}:Endpoint is required when {Section}:Provider is {Provider}.");
        }
        else if (EndpointUri is null)
        {
            problems.Add($"{Section}:Endpoint \"{Endpoint}\" must be an absolute http or https URL.");
        }

        if (string.IsNullOrWhiteSpace(Model))
        {
            var what = Provider == LlmProvider.AzureOpenAI ? "the deployment name" : "the model name";
            problems.Add($"{Section}:Model ({what}) is required when {Section}:Provider is {Provider}.");
        }

        return problems;
    }
}
