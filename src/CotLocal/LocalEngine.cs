using System.Net;
using CotPipeline;
using CotPipeline.Http;
using CotPipeline.Links;
using CotPipeline.Options;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Options;

namespace CotLocal;

/// <summary>
/// The local host's wiring: the Durable Task engine with the Azure Storage backend (the Functions default) over
/// Azurite, served by an in-process gRPC sidecar to the standard worker and client, so CotPipeline runs unchanged.
/// </summary>
public static class LocalEngine
{
    public static WebApplicationBuilder AddCotLocal(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var config = builder.Configuration;
        var apiPort = config.GetValue("Local:ApiPort", 7071);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenLocalhost(apiPort));

        services.AddSingleton<AzuriteLauncher>();
        services.AddSingleton<Smtp4devLauncher>();
        // Links point at this host unless the configuration names another public address.
        services.PostConfigure<ReviewLinkOptions>(o => o.PublicBaseUrl ??= $"http://localhost:{apiPort}");
        services.AddHostedService<StorageStartup>();
        services.AddCotPipeline(config);
        // After StorageStartup: hosted services start in order, and the engine's worker needs Azurite and the task hub.
        builder.AddLocalEngine(registry => registry.AddCotTasks());
        services.AddHostedService<DemoSeeder>();
        services.AddHostedService<HistoryPurgeService>();
        services.AddHostedService<ReviewRelaySweepService>();
        return builder;
    }

    /// <summary>
    /// The engine alone, with the orchestrations and activities <paramref name="tasks"/> registers: the Azure Storage backend over
    /// <c>Storage:ConnectionString</c>, the sidecar on <c>Local:SidecarPort</c> (HTTP/2 only), and the worker and client talking to
    /// it. The task hub must exist before the host starts (<see cref="AzureStorageOrchestrationService.CreateIfNotExistsAsync()"/>).
    /// </summary>
    public static WebApplicationBuilder AddLocalEngine(this WebApplicationBuilder builder, Action<DurableTaskRegistry> tasks)
    {
        var services = builder.Services;
        services.AddOptions<LocalOptions>().BindConfiguration(LocalOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var local = builder.Configuration.GetSection(LocalOptions.Section).Get<LocalOptions>() ?? new LocalOptions();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, local.SidecarPort, o => o.Protocols = HttpProtocols.Http2));

        services.AddSingleton<EngineStorage>();
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<LocalOptions>>().Value;
            return new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
            {
                TaskHubName = o.HubName,
                StorageAccountClientProvider = new StorageAccountClientProvider(sp.GetRequiredService<EngineStorage>().Engine),
                MaxQueuePollingInterval = o.MaxQueuePollingInterval,
                WorkItemQueueVisibilityTimeout = o.WorkItemVisibilityTimeout,
                MaxConcurrentTaskActivityWorkItems = o.MaxConcurrentActivities,
                ControlQueueVisibilityTimeout = o.WorkItemVisibilityTimeout,
                // Stable across restarts, so a restarted host takes its own partitions back at once.
                WorkerId = $"cotlocal-{Environment.MachineName}",
                LoggerFactory = sp.GetRequiredService<ILoggerFactory>(),
            });
        });
        services.AddSingleton<IOrchestrationService>(sp => ActivatorUtilities.CreateInstance<ActivityRetryingOrchestrationService>(sp,
            sp.GetRequiredService<AzureStorageOrchestrationService>()));
        services.AddSingleton<IOrchestrationServiceClient>(sp => sp.GetRequiredService<AzureStorageOrchestrationService>());
        services.AddGrpc(grpc => grpc.Interceptors.Add<EngineStorageUnavailable>());
        // One sidecar owns the dispatcher and the single worker stream.
        services.AddSingleton<TaskHubGrpcServer>();

        // One channel each. The worker connects while the host starts, before Kestrel listens, and its channel then waits out a
        // reconnect backoff; a client call on that channel in the meantime failed at once ("Unavailable: Error connecting to
        // subchannel"), so the first API request after a start could answer 500. The client's channel connects on its first call.
        var sidecar = $"http://127.0.0.1:{local.SidecarPort}";
        services.AddDurableTaskWorker(worker =>
        {
            worker.AddTasks(tasks);
            worker.UseGrpc(GrpcChannel.ForAddress(sidecar));
            worker.Configure(o => o.Concurrency.MaximumConcurrentActivityWorkItems = local.MaxConcurrentActivities);
        });
        services.AddDurableTaskClient(client => client.UseGrpc(GrpcChannel.ForAddress(sidecar)));
        return builder;
    }

    public static WebApplication MapCotLocal(this WebApplication app)
    {
        var errors = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("CotLocal.Http");
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (Exception e) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
            {
                if (StorageUnavailable.Is(e))
                {
                    await StorageUnavailable.WriteAsync(context, e);
                }
                else
                {
                    await ServerError.WriteAsync(context, e, errors);
                }
            }
        });
        app.MapLocalEngine();
        app.MapCotApi();
        return app;
    }

    /// <summary>Serves the sidecar of <see cref="AddLocalEngine"/> on its port.</summary>
    public static WebApplication MapLocalEngine(this WebApplication app)
    {
        var sidecarPort = app.Services.GetRequiredService<IOptions<LocalOptions>>().Value.SidecarPort;
        app.MapGrpcService<TaskHubGrpcServer>().RequireHost($"*:{sidecarPort}");
        return app;
    }

    /// <summary>
    /// Starts Azurite (one for the pipeline, one for the engine unless they share) and smtp4dev if needed, decides where the task hub
    /// lives (<see cref="EngineStorage"/>), and creates it and our containers and tables before the engine starts.
    /// </summary>
    private sealed class StorageStartup(
        AzuriteLauncher azurite,
        Smtp4devLauncher smtp4dev,
        EngineStorage storage,
        IServiceProvider services,
        CotPipeline.Storage.CotStore store) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            var data = StorageEndpoints.Parse(storage.Data, "Storage:ConnectionString");
            var engine = storage.Separate ? StorageEndpoints.Parse(storage.Engine, "Local:EngineConnectionString") : data;
            await Task.WhenAll(AzuritesAsync(data, engine, cancellationToken), smtp4dev.EnsureRunningAsync(cancellationToken));
            await storage.KeepsEarlierHubAsync(cancellationToken);
            // Built only now: where the hub lives is decided.
            await services.GetRequiredService<AzureStorageOrchestrationService>().CreateIfNotExistsAsync();
            await store.EnsureCreatedAsync();
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        /// <summary>One after the other: the first may install Azurite, which the second then uses.</summary>
        private async Task AzuritesAsync(StorageEndpoints data, StorageEndpoints engine, CancellationToken ct)
        {
            await azurite.EnsureRunningAsync(data, "Storage:ConnectionString", "azurite-data", ct);
            if (engine != data)
            {
                await azurite.EnsureRunningAsync(engine, "Local:EngineConnectionString", "azurite-engine", ct);
            }
        }
    }
}
