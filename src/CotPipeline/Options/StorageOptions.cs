using System.ComponentModel.DataAnnotations;

namespace CotPipeline.Options;

/// <summary>Where artifacts live; configured under <c>Storage</c>.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>A connection string (Azurite, or a key-based account); when empty, <see cref="AccountName"/> and managed identity are used.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Storage account name for identity-based access in Azure.</summary>
    public string? AccountName { get; set; }

    /// <summary>Client id of a user-assigned managed identity, if any.</summary>
    public string? ClientId { get; set; }

    [Required, RegularExpression("^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$")]
    public string Container { get; set; } = "cot";

    /// <summary>Prefix of every table name, so several deployments can share one account.</summary>
    [RegularExpression("^[A-Za-z][A-Za-z0-9]{0,20}$")]
    public string TablePrefix { get; set; } = "Cot";
}
