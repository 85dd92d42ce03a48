using Azure;
using Azure.Data.Tables;
using CotPipeline.Storage;

namespace CotPipeline.Tests.Storage;

/// <summary>Registry rows read back from the untyped rows of their partition.</summary>
public sealed class ReviewerRowTests
{
    [Fact]
    public void From_EveryColumnOfTheRegistryRow_ReadBack()
    {
        // Routing reads the registry as TableEntity rows (with the workload rows of its partition): a column added to the
        // registry and not read back here would silently keep its default for routing and e-mails.
        var row = new ReviewerRow
        {
            PartitionKey = ReviewerRow.Partition, RowKey = "r1", Name = "Dr. Li 李", Email = "li@example.org", Departments = "cardiology|neurology",
            Capacity = 7, Active = false, IsAdjudicator = true, Timestamp = DateTimeOffset.UnixEpoch, ETag = new ETag("W/\"1\""),
        };
        var columns = typeof(ReviewerRow).GetProperties().Where(p => p.CanWrite && p.Name != nameof(ITableEntity.ETag)).ToList();
        var entity = new TableEntity(columns.ToDictionary(p => p.Name, p => p.GetValue(row)!)) { ETag = row.ETag };

        var read = ReviewerRow.From(entity);

        Assert.All(columns, p => Assert.Equal(p.GetValue(row), p.GetValue(read)));
        Assert.Equal(row.ETag, read.ETag);
    }

    [Fact]
    public void From_ColumnsMissing_KeepTheirDefaults()
    {
        var read = ReviewerRow.From(new TableEntity(ReviewerRow.Partition, "r1"));

        var fresh = new ReviewerRow();
        Assert.Equal((fresh.Name, fresh.Capacity, fresh.Active, fresh.IsAdjudicator), (read.Name, read.Capacity, read.Active, read.IsAdjudicator));
        Assert.Equal("r1", read.RowKey);
    }
}
