using System.ComponentModel.DataAnnotations;

namespace CotPipeline.Options;

/// <summary>Long-run hygiene: how long the engine keeps the histories of ended orchestrations; configured under <c>Maintenance</c>.</summary>
public sealed class MaintenanceOptions
{
    public const string Section = "Maintenance";

    /// <summary>
    /// An ended orchestration (item loop, batch start, batch cancel) whose last execution started longer ago than this loses
    /// its engine history. The dataset, the reviews and each item's audit trail live in our own tables and blobs, not there.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "3650.00:00:00")]
    public TimeSpan HistoryRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often the local host purges (the Functions app purges hourly on a timer).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromHours(1);
}
