using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CotPipeline.Options;

/// <summary>Options that can list everything wrong with themselves, each problem naming its setting.</summary>
public interface IHasProblems
{
    IReadOnlyList<string> Problems();
}

/// <summary>The data-annotation checks of an options object as problems, each naming its setting.</summary>
internal static class AnnotationProblems
{
    public static List<string> Of(object options, string section)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results.Select(r => $"{section}:{string.Join(',', r.MemberNames)}: {r.ErrorMessage}").ToList();
    }
}

/// <summary>Fails start-up with every problem an options class reports, not just "invalid".</summary>
internal sealed class ProblemsValidator<T> : IValidateOptions<T>
    where T : class, IHasProblems
{
    public ValidateOptionsResult Validate(string? name, T options)
    {
        var problems = options.Problems();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

/// <summary>Registers options that validate themselves through <see cref="IHasProblems"/>.</summary>
public static class ProblemsOptionsServiceCollectionExtensions
{
    /// <summary>Binds <typeparamref name="T"/> from <paramref name="section"/> and fails start-up with every problem it lists.</summary>
    public static IServiceCollection AddSelfValidatingOptions<T>(this IServiceCollection services, IConfiguration configuration, string section)
        where T : class, IHasProblems
    {
        services.AddOptions<T>().Bind(configuration.GetSection(section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<T>, ProblemsValidator<T>>());
        return services;
    }
}
