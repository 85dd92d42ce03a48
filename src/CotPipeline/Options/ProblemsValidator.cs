using Microsoft.Extensions.Options;

namespace CotPipeline.Options;

/// <summary>Options that can list everything wrong with themselves, each problem naming its setting.</summary>
public interface IHasProblems
{
    IReadOnlyList<string> Problems();
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
