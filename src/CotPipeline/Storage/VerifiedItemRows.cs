using System.Globalization;
using Azure.Data.Tables;
using CotPipeline.Domain;

namespace CotPipeline.Storage;

/// <summary>
/// VerifiedItems: PK batchId, RK itemId. A verified item's <see cref="VerifiedItem"/> as JSON, so an export reads a batch's
/// items in one partition query instead of several blobs per item. A string property holds at most 64 KiB, so the JSON is
/// split over numbered properties; a record too large for one entity (1 MiB) gets no row, and the export reads its blobs.
/// </summary>
public static class VerifiedItemRows
{
    /// <summary>UTF-16 code units per property: 32,000 are 64,000 bytes, under the 64 KiB limit of a string property.</summary>
    public const int PartLength = 32_000;

    /// <summary>15 parts of 64,000 bytes stay under the 1 MiB limit of an entity, with room for the keys and property names.</summary>
    public const int MaxParts = 15;

    private const string PartsColumn = "Parts";

    /// <summary>The row of <paramref name="item"/>, or null when its JSON does not fit in one entity.</summary>
    public static TableEntity? From(string batchId, string itemId, VerifiedItem item)
    {
        var json = Json.Serialize(item);
        var row = new TableEntity(batchId, itemId);
        var parts = 0;
        for (var start = 0; start < json.Length; parts++)
        {
            if (parts == MaxParts)
            {
                return null;
            }

            // A surrogate pair is never cut in two: each half alone is not valid text on the wire.
            var length = Math.Min(PartLength, json.Length - start);
            if (start + length < json.Length && char.IsHighSurrogate(json[start + length - 1]))
            {
                length--;
            }

            row[Part(parts)] = json.Substring(start, length);
            start += length;
        }

        row[PartsColumn] = parts;
        return row;
    }

    /// <summary>The record a row of <see cref="From"/> holds.</summary>
    public static VerifiedItem Read(TableEntity row)
    {
        var parts = row.GetInt32(PartsColumn) ?? 0;
        var json = parts == 1 ? row.GetString(Part(0)) : string.Concat(Enumerable.Range(0, parts).Select(i => row.GetString(Part(i))));
        return Json.Deserialize<VerifiedItem>(json);
    }

    private static string Part(int i) => "Json" + i.ToString("D2", CultureInfo.InvariantCulture);
}
