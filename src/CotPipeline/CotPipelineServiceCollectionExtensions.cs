using CotPipeline.Activities;
using CotPipeline.Export;
using CotPipeline.Http;
using CotPipeline.Links;
using CotPipeline.Llm;
using CotPipeline.Mail;
using CotPipeline.Operations;
using CotPipeline.Options;
using CotPipeline.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CotPipeline;

/// <summary>Wires the pipeline into a host: typed, validated options; storage; the LLM; activities; HTTP handlers.</summary>
public static class CotPipelineServiceCollectionExtensions
{
    public static IServiceCollection AddCotPipeline(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSelfValidatingOptions<PipelineOptions>(configuration, PipelineOptions.Section);
        services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<MaintenanceOptions>().BindConfiguration(MaintenanceOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RubricOptions>()
            .Configure<IConfiguration>((rubric, config) =>
            {
                // The method's rubric unless the configuration gives one.
                var section = config.GetSection(RubricOptions.Section);
                if (!section.GetSection(nameof(RubricOptions.Criteria)).Exists())
                {
                    rubric.Criteria = RubricOptions.Default().Criteria;
                }
                else
                {
                    section.Bind(rubric);
                }
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<RubricOptions>, ProblemsValidator<RubricOptions>>();
        services.AddCotStorage();
        services.AddRationaleModel(configuration);
        services.AddSingleton(TimeProvider.System);
        services.AddReviewLinks(configuration);
        services.AddReviewMail(configuration);

        services.AddSingleton<ScheduleItemsPage>();
        services.AddSingleton<GenerateCandidate>();
        services.AddSingleton<CommitVersion>();
        services.AddSingleton<AssignReviewers>();
        services.AddSingleton<SendReviewRequests>();
        services.AddSingleton<CloseAssignments>();
        services.AddSingleton<RecoverReviews>();
        services.AddSingleton<ReachConsensus>();
        services.AddSingleton<RequestAdjudication>();
        services.AddSingleton<FinalizeItem>();
        services.AddSingleton<CancelItemsPage>();
        services.AddSingleton<CloseBatchAssignments>();
        services.AddSingleton<ArmDeadline>();
        services.AddSingleton<RaiseDueDeadlines>();

        services.AddSingleton<ItemCanceller>();
        services.AddSingleton<ItemRetrier>();
        services.AddSingleton<BatchPurger>();
        services.AddSingleton<HistoryJanitor>();

        services.AddSingleton<BatchExporter>();
        services.AddSingleton<BatchApi>();
        services.AddSingleton<ExportApi>();
        services.AddSingleton<ArtifactCache>();
        services.AddSingleton<ReviewApi>();
        services.AddSingleton<ReviewRelay>();
        services.AddSingleton<ReviewerApi>();
        services.AddSingleton<ReviewPageApi>();
        services.AddSingleton<ItemApi>();
        services.AddSingleton<OperatorApi>();
        return services;
    }
}
