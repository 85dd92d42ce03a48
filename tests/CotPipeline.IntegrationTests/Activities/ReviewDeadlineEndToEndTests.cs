using System.Security.Cryptography;
using System.Text;
using CotPipeline.Http;
using CotPipeline.IntegrationTests.Infrastructure;
using CotPipeline.IntegrationTests.LocalHost;
using CotPipeline.Orchestrations;
using CotPipeline.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CotPipeline.IntegrationTests.Activities;

/// <summary>
/// A review deadline from end to end, with the real orchestrations and steps on the in-memory engine, Azurite and smtp4dev:
/// assigning arms the deadline, the batch's deadline watch raises it, the reviewer is reminded (that deadline armed on its own),
/// and at the reminder's deadline the review goes to someone else, who is e-mailed. No timer of the item's is involved.
/// </summary>
public sealed class ReviewDeadlineEndToEndTests(AzuriteFixture azurite, Smtp4devFixture smtp) : IClassFixture<AzuriteFixture>, IClassFixture<Smtp4devFixture>
{
    [Fact]
    public async Task Deadline_RaisedByTheWatch_RemindsThenReassigns()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Storage:Container"] = "deadline-e2e",
            ["Storage:TablePrefix"] = "DeadlineE2e",
            ["Llm:Provider"] = "Offline",
            ["ReviewLinks:SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["ReviewLinks:PublicBaseUrl"] = "http://localhost:7071",
            ["Smtp:Host"] = "127.0.0.1",
            ["Smtp:Port"] = smtp.SmtpPort.ToString(),
            ["Smtp:From"] = "CoT review <review@cot.test>",
            ["Pipeline:ReviewersPerItem"] = "1",
            ["Pipeline:ReviewDeadline"] = "00:01:00",
            ["Pipeline:ReminderInterval"] = "00:00:05",
            ["Pipeline:RemindersBeforeReassign"] = "1",
            ["Pipeline:DeadlineCheckInterval"] = "00:00:01",
        }).Build();
        await using var host = await InMemoryEngine.StartAsync(registry => registry.AddCotTasks(), new DurableTaskTestHostOptions
        {
            // The steps' clock runs ten minutes ahead of the engine's, so the deadline watch finds each deadline due at its next look
            // (a review deadline is at least a minute).
            ConfigureServices = services => services.AddSingleton<IConfiguration>(configuration).AddCotPipeline(configuration)
                .AddSingleton<TimeProvider>(new AheadClock(TimeSpan.FromMinutes(10))),
        });
        var store = host.Services.GetRequiredService<CotStore>();
        await store.EnsureCreatedAsync();
        foreach (var id in new[] { "dl-first", "dl-second" })
        {
            await store.Reviewers.UpsertEntityAsync(new ReviewerRow
            {
                PartitionKey = ReviewerRow.Partition, RowKey = id, Name = id, Email = $"{id}@example.org", Departments = "*", Capacity = 10,
            });
        }

        var http = new DefaultHttpContext();
        var body = Encoding.UTF8.GetBytes(Api.Item("d1", "cardiology", "Which artery supplies the inferior wall?"));
        http.Request.QueryString = QueryString.Create("batchId", "deadlines");
        http.Request.ContentType = "application/x-ndjson";
        http.Request.ContentLength = body.Length;
        http.Request.Body = new MemoryStream(body);
        Assert.IsAssignableFrom<IStatusCodeHttpResult>(await host.Services.GetRequiredService<BatchApi>().SubmitAsync(http.Request, host.Client, default));

        // Whoever is asked first never answers: a request, a reminder at the deadline, then the review goes to the other one.
        var first = await EventuallyAsync(async () => await OpenAssignmentAsync(store), a => a is not null, "the first assignment");
        var late = first!.PartitionKey;
        var other = late == "dl-first" ? "dl-second" : "dl-first";
        await EventuallyAsync(() => smtp.MessagesToAsync($"{late}@example.org"), m => m.Any(x => x.Subject.StartsWith("Reminder:")), "the reminder");
        await EventuallyAsync(() => smtp.MessagesToAsync($"{other}@example.org"), m => m.Any(x => !x.Subject.StartsWith("Reminder:")),
            "the request to the other reviewer");

        var mine = await store.GetRowAsync<AssignmentRow>(store.Assignments, late, first.RowKey);
        Assert.Equal(AssignmentStatus.Reassigned, mine!.Status);
        Assert.Single(await smtp.MessagesToAsync($"{late}@example.org"), m => m.Subject.StartsWith("Reminder:"));
        var watch = await host.Client.GetInstanceAsync(Ids.DeadlineInstance("deadlines"));
        Assert.False(watch!.IsCompleted);
    }

    private sealed class AheadClock(TimeSpan ahead) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + ahead;
    }

    private static async Task<AssignmentRow?> OpenAssignmentAsync(CotStore store)
    {
        await foreach (var row in store.Assignments.QueryAsync<AssignmentRow>(a => a.BatchId == "deadlines"))
        {
            return row;
        }

        return null;
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            try
            {
                var value = await probe();
                if (done(value))
                {
                    return value;
                }
            }
            catch (HttpRequestException)
            {
                // smtp4dev's API once answered 400 during a full test run (cause not found): ask again; the deadline still holds.
            }

            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(250);
        }
    }
}
