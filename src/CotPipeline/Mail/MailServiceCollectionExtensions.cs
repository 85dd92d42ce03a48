using CotPipeline.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CotPipeline.Mail;

/// <summary>Lets a host send review-request e-mails.</summary>
public static class MailServiceCollectionExtensions
{
    /// <summary>Binds <see cref="SmtpOptions"/> from <c>Smtp</c> (validated at start) and registers <see cref="ReviewMailer"/>.</summary>
    public static IServiceCollection AddReviewMail(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSelfValidatingOptions<SmtpOptions>(configuration, SmtpOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ReviewMailer>();
        return services;
    }
}
