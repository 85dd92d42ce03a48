using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.ApplicationInsights;

namespace CotFunctions;

/// <summary>Application Insights for the worker, when the app has a connection string (in Azure; not locally).</summary>
internal static class TelemetryExtensions
{
    /// <summary>The host's setting; with <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c> beside it, ingestion uses Entra ID.</summary>
    private const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    public static FunctionsApplicationBuilder AddCotTelemetry(this FunctionsApplicationBuilder builder)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration[ConnectionStringSetting]))
        {
            return builder;
        }

        builder.Services.AddApplicationInsightsTelemetryWorkerService().ConfigureFunctionsApplicationInsights();

        // The SDK adds a rule that sends only warnings and above; without it the logging configuration's levels apply.
        builder.Services.Configure<LoggerFilterOptions>(options =>
        {
            var aiDefault = options.Rules.FirstOrDefault(r => r.ProviderName == typeof(ApplicationInsightsLoggerProvider).FullName);
            if (aiDefault is not null)
            {
                options.Rules.Remove(aiDefault);
            }
        });
        return builder;
    }
}
