using CotPipeline.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CotPipeline.Llm;

/// <summary>Wires the rationale model chosen by the <c>Llm</c> configuration section.</summary>
public static class LlmServiceCollectionExtensions
{
    private const int LargestPromptTokens = 4_000;

    /// <summary>
    /// Binds <see cref="LlmOptions"/> from <c>Llm</c> (validated at start) and registers the <see cref="IRationaleModel"/>
    /// of <see cref="LlmOptions.Provider"/> as a singleton, with the <see cref="PromptLibrary"/> it renders prompts from and the
    /// process-wide <see cref="LlmBudget"/> every call waits on.
    /// </summary>
    public static IServiceCollection AddRationaleModel(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSelfValidatingOptions<LlmOptions>(configuration, LlmOptions.Section);
        services.TryAddSingleton<PromptLibrary>();
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<LlmOptions>>().Value;
            // A prompt is a few thousand tokens at most (question, options, critique): the burst holds one such call.
            return new LlmBudget(options.RequestsPerMinute, options.TokensPerMinute, options.MaxOutputTokens + LargestPromptTokens);
        });
        services.TryAddSingleton<IRationaleModel>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<LlmOptions>>().Value;
            return options.Provider == LlmProvider.Offline
                ? new OfflineRationaleModel()
                : ChatRationaleModel.Create(options, sp.GetRequiredService<PromptLibrary>(), sp.GetRequiredService<ILoggerFactory>(),
                    sp.GetRequiredService<LlmBudget>());
        });
        return services;
    }
}
