using System.Net;
using CotPipeline.Activities;
using CotPipeline.IntegrationTests.Infrastructure;
using CotPipeline.Models;
using CotPipeline.Options;
using CotPipeline.Storage;

namespace CotPipeline.IntegrationTests.LocalHost;

/// <summary>A review sent after its round closed is thanked, kept in the audit trail and not counted.</summary>
[Collection(LocalHostCollection.Name)]
public sealed class LateReviewTests(LocalHostFixture host)
{
    [Fact]
    public async Task PostReview_AfterTheAssignmentClosed_KeptNotCountedAndNoEvent()
    {
        var http = host.Http;
        await http.PostJsonAsync("/api/reviewers", new[]
        {
            new { id = "late-a", name = "A", email = "a@example.org", departments = new[] { "late-dept" }, capacity = 100 },
            new { id = "late-b", name = "B", email = "b@example.org", departments = new[] { "late-dept" }, capacity = 100 },
        });
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostJsonlAsync("/api/batches?batchId=late1", Api.Item("x1", "late-dept", "Late question?"))).StatusCode);
        var open = await Api.EventuallyAsync(() => http.OpenAssignmentsAsync("late1"), a => a.Count == 2, TimeSpan.FromMinutes(1), "two assignments");
        var closedReviewer = (string)open[0]["reviewerId"]!;

        // What the orchestrator does when the deadline passes.
        var store = StorageServiceCollectionExtensions.Create(new StorageOptions { ConnectionString = host.Azurite.ConnectionString });
        await new CloseAssignments(store).RunAsync(new CloseAssignmentsInput("late1", "x1", 1, [closedReviewer]));

        var response = await http.PostJsonAsync("/api/reviews", Api.Review((string)open[0]["assignmentId"]!, "accept", [5, 5, 5, 5, 5]));
        var body = await response.ReadNodeAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False((bool)body["counted"]!);
        Assert.Contains("kept in the item's audit trail but not counted", (string)body["message"]!, StringComparison.Ordinal);
        var item = await http.GetNodeAsync("/api/batches/late1/items/x1");
        var review = item["reviews"]!.AsArray().Single()!;
        Assert.False((bool)review["counted"]!);
        Assert.Equal(closedReviewer, (string)review["review"]!["reviewerId"]!);
        Assert.Equal("in-review", (string)item["state"]!);

        var again = await http.PostJsonAsync("/api/reviews", Api.Review((string)open[0]["assignmentId"]!, "accept", [5, 5, 5, 5, 5]));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }
}
