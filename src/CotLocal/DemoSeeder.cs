using System.Net.Http.Headers;
using System.Text;
using CotPipeline.Options;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace CotLocal;

/// <summary>
/// Prints where everything is and, with <c>Local:Demo</c> on, registers demo reviewers (when the registry is empty)
/// and submits the demo batch through the public API, so a new user has something to follow at once.
/// </summary>
public sealed partial class DemoSeeder(
    IHostApplicationLifetime lifetime,
    IServer server,
    IOptions<LocalOptions> local,
    IOptions<ApiOptions> api,
    Smtp4devLauncher smtp4dev,
    ILogger<DemoSeeder> logger) : BackgroundService
{
    public const string DemoBatchId = "demo";

    private const string DemoReviewers = """
        [
          {"id":"dr-chen","name":"Dr. Chen Wei","email":"chen.wei@example.org","departments":["cardiology","respiratory"],"capacity":50},
          {"id":"dr-garcia","name":"Dr. Ana Garcia","email":"ana.garcia@example.org","departments":["cardiology","neurology"],"capacity":50},
          {"id":"dr-okafor","name":"Dr. Ngozi Okafor","email":"ngozi.okafor@example.org","departments":["endocrinology","respiratory"],"capacity":50},
          {"id":"dr-li","name":"Dr. Li Na","email":"li.na@example.org","departments":["endocrinology","neurology"],"capacity":50},
          {"id":"dr-smith","name":"Dr. John Smith","email":"john.smith@example.org","departments":["*"],"capacity":50,"adjudicator":true}
        ]
        """;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken);

        var baseUrl = server.Features.Get<IServerAddressesFeature>()?.Addresses
            .FirstOrDefault(a => !a.Contains($":{local.Value.SidecarPort}", StringComparison.Ordinal)) ?? "http://localhost:7071";
        var key = api.Value.Key ?? "";
        LogReady(logger, baseUrl, key, smtp4dev.InboxUrl ?? "(not a local smtp4dev: see the Smtp settings)");
        if (!local.Value.Demo)
        {
            return;
        }

        using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        try
        {
            var reviewers = await http.GetStringAsync(new Uri("/api/reviewers", UriKind.Relative), stoppingToken);
            if (reviewers.Trim() == "[]")
            {
                using var body = new StringContent(DemoReviewers, Encoding.UTF8, "application/json");
                (await http.PostAsync(new Uri("/api/reviewers", UriKind.Relative), body, stoppingToken)).EnsureSuccessStatusCode();
            }

            var file = Path.Combine(AppContext.BaseDirectory, "Demo", "demo-batch.jsonl");
            using var upload = new StreamContent(File.OpenRead(file));
            upload.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
            var response = await http.PostAsync(new Uri($"/api/batches?batchId={DemoBatchId}", UriKind.Relative), upload, stoppingToken);
            if (!response.IsSuccessStatusCode)
            {
                LogDemoFailed(logger, $"HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(stoppingToken)}");
                return;
            }

            LogDemo(logger, (int)response.StatusCode, baseUrl, key);
        }
        catch (HttpRequestException e)
        {
            LogDemoFailed(logger, e.Message);
        }
    }

    [LoggerMessage(1, LogLevel.Information, """

        CotLocal is ready.
          API:          {BaseUrl}/api   (operator key: X-Api-Key: {Key})
          Inbox:        {Inbox}   (review e-mails with the reviewers' personal links land here)
          Walkthrough:  README.md, section "Walkthrough"
        """)]
    private static partial void LogReady(ILogger logger, string baseUrl, string key, string inbox);

    [LoggerMessage(2, LogLevel.Information, """

        Demo batch "demo" submitted (HTTP {Status}); demo reviewers are registered and e-mailed their review links. Follow it with:
          curl -s -H 'X-Api-Key: {Key}' {BaseUrl}/api/batches/demo
          curl -s -H 'X-Api-Key: {Key}' '{BaseUrl}/api/assignments?batchId=demo'
        """)]
    private static partial void LogDemo(ILogger logger, int status, string baseUrl, string key);

    [LoggerMessage(3, LogLevel.Warning, "The demo batch could not be submitted: {Message}")]
    private static partial void LogDemoFailed(ILogger logger, string message);
}
