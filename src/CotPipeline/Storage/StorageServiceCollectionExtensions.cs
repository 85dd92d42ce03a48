using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using CotPipeline.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CotPipeline.Storage;

/// <summary>Registers <see cref="CotStore"/> over a connection string (local) or managed identity (Azure).</summary>
public static class StorageServiceCollectionExtensions
{
    public static IServiceCollection AddCotStorage(this IServiceCollection services)
    {
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => !string.IsNullOrWhiteSpace(o.ConnectionString) || !string.IsNullOrWhiteSpace(o.AccountName),
                "Storage:ConnectionString or Storage:AccountName must be set.")
            .ValidateOnStart();
        services.AddSingleton(sp => Create(sp.GetRequiredService<IOptions<StorageOptions>>().Value));
        return services;
    }

    public static CotStore Create(StorageOptions o)
    {
        if (!string.IsNullOrWhiteSpace(o.ConnectionString))
        {
            return new CotStore(
                new BlobServiceClient(o.ConnectionString).GetBlobContainerClient(o.Container),
                new TableServiceClient(o.ConnectionString, TableOptions()),
                o.TablePrefix);
        }

        TokenCredential credential = string.IsNullOrWhiteSpace(o.ClientId)
            ? new DefaultAzureCredential()
            : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(o.ClientId));
        return new CotStore(
            new BlobServiceClient(new Uri($"https://{o.AccountName}.blob.core.windows.net"), credential).GetBlobContainerClient(o.Container),
            new TableServiceClient(new Uri($"https://{o.AccountName}.table.core.windows.net"), credential, TableOptions()),
            o.TablePrefix);
    }

    private static TableClientOptions TableOptions()
    {
        var options = new TableClientOptions();
        options.AddPolicy(new StreamedQueryPages(), HttpPipelinePosition.PerCall);
        return options;
    }
}
