using System.CommandLine;
using System.Net;
using CotCli.Api;
using CotCli.Output;
using Microsoft.Extensions.DependencyInjection;

namespace CotCli.Commands;

/// <summary>
/// Runs a command against the API: makes the typed client for the resolved address and key, and turns every failure
/// into a message on stderr and its exit code (see <see cref="ExitCodes"/>).
/// </summary>
public static class ApiAction
{
    /// <summary>Sets <paramref name="action"/> as the command's action; it returns the exit code.</summary>
    public static void SetApiAction(this Command command, Connection connection, Func<ParseResult, CotApiClient, CancellationToken, Task<int>> action) =>
        command.SetAction((parse, ct) => RunAsync(parse, connection, action, ct));

    private static async Task<int> RunAsync(ParseResult parse, Connection connection, Func<ParseResult, CotApiClient, CancellationToken, Task<int>> action, CancellationToken ct)
    {
        var error = Consoles.Error;
        Uri? baseUrl = null;
        try
        {
            (baseUrl, var key) = connection.Resolve(parse);
            await using var services = Services(baseUrl, key);
            return await action(parse, services.GetRequiredService<CotApiClient>(), ct);
        }
        catch (InputException e)
        {
            ErrorView.Message(error, e.Message);
            return ExitCodes.BadInput;
        }
        catch (ApiException e)
        {
            ErrorView.Api(error, e, baseUrl!);
            return e.Status is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge
                or HttpStatusCode.UnsupportedMediaType or HttpStatusCode.UnprocessableEntity
                ? ExitCodes.BadInput
                : ExitCodes.ServerError;
        }
        catch (HttpRequestException e) when (e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError)
        {
            ErrorView.Message(error, $"nothing answers at {baseUrl} ({e.InnerException?.Message ?? e.Message}).", ErrorView.StartHint);
            return ExitCodes.Unreachable;
        }
        catch (HttpRequestException e)
        {
            ErrorView.Message(error, $"the request to {baseUrl} failed: {e.Message}");
            return ExitCodes.ServerError;
        }
        catch (TimeoutException e)
        {
            ErrorView.Message(error, e.Message);
            return ExitCodes.ServerError;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            ErrorView.Notice(error, "Stopped (Ctrl+C).");
            return ExitCodes.Interrupted;
        }
    }

    private static ServiceProvider Services(Uri baseUrl, string? key)
    {
        var services = new ServiceCollection();
        services.AddHttpClient<CotApiClient>(http =>
        {
            http.BaseAddress = baseUrl;
            // Uploads, exports and downloads can take long; the client limits small requests itself.
            http.Timeout = Timeout.InfiniteTimeSpan;
            if (key is not null)
            {
                // X-Api-Key for CotLocal; x-functions-key so the same key works as a Functions key in Azure.
                http.DefaultRequestHeaders.Add("X-Api-Key", key);
                http.DefaultRequestHeaders.Add("x-functions-key", key);
            }
        });
        return services.BuildServiceProvider();
    }
}
