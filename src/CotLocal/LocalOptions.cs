using System.ComponentModel.DataAnnotations;

namespace CotLocal;

/// <summary>Settings of the local host; configured under <c>Local</c>.</summary>
public sealed class LocalOptions
{
    public const string Section = "Local";

    /// <summary>Durable task hub name (the Functions app reads the same from <c>Durable:HubName</c>).</summary>
    [Required, RegularExpression("^[A-Za-z][A-Za-z0-9]{2,44}$")]
    public string HubName { get; set; } = "CotLocal";

    /// <summary>Loopback port of the in-process Durable Task sidecar (gRPC, HTTP/2 only).</summary>
    [Range(0, 65535)]
    public int SidecarPort { get; set; } = 4001;

    /// <summary>
    /// Storage of the engine's task hub (its queues, History and Instances tables and leases), when it should not share
    /// <c>Storage:ConnectionString</c> with the pipeline's blobs and tables. The Functions app has the same split: its engine uses
    /// <c>AzureWebJobsStorage</c>. Locally a second Azurite doubles the storage's CPU, each emulator being single-threaded.
    /// </summary>
    public string? EngineConnectionString { get; set; }

    /// <summary>Start Azurite when nothing listens on the storage connection's blob port.</summary>
    public bool StartAzurite { get; set; } = true;

    /// <summary>The pinned Azurite version installed with npm on first use.</summary>
    [Required]
    public string AzuriteVersion { get; set; } = "3.37.0";

    /// <summary>Where Azurite and smtp4dev are installed and keep their data (relative paths are under the user's home).</summary>
    [Required]
    public string ToolsDirectory { get; set; } = ".cot";

    /// <summary>Start smtp4dev (the local inbox where review e-mails land) when nothing listens on <c>Smtp:Port</c>.</summary>
    public bool StartSmtp4dev { get; set; } = true;

    /// <summary>The pinned smtp4dev version installed as a .NET tool on first use.</summary>
    [Required]
    public string Smtp4devVersion { get; set; } = "3.15.0";

    /// <summary>Port of smtp4dev's web inbox (and its REST API).</summary>
    [Range(1, 65535)]
    public int Smtp4devWebPort { get; set; } = 5000;

    /// <summary>Register demo reviewers (when the registry is empty) and submit the demo batch at start.</summary>
    public bool Demo { get; set; } = true;

    /// <summary>How often the engine polls its queues when idle; the Azure default of 30 s makes a demo feel stuck.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan MaxQueuePollingInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Activities run at once (the Functions app sets the same in host.json): LLM calls share the quota, storage the account.</summary>
    [Range(1, 1000)]
    public int MaxConcurrentActivities { get; set; } = 10;

    /// <summary>How long a work item stays invisible before another worker may take it; short, so recovery after a crash is quick.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "00:10:00")]
    public TimeSpan WorkItemVisibilityTimeout { get; set; } = TimeSpan.FromMinutes(2);
}
