using CotPipeline.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CotPipeline.Links;

/// <summary>Lets a host that has a signing key configured create and verify review links.</summary>
public static class ReviewLinksServiceCollectionExtensions
{
    /// <summary>Binds <see cref="ReviewLinkOptions"/> from <c>ReviewLinks</c> (validated at start) and registers <see cref="ReviewLinkSigner"/>.</summary>
    public static IServiceCollection AddReviewLinks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSelfValidatingOptions<ReviewLinkOptions>(configuration, ReviewLinkOptions.Section);
        services.TryAddSingleton<ReviewLinkSigner>();
        return services;
    }
}
