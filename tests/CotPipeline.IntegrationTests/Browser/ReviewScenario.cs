using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CotPipeline.IntegrationTests.Infrastructure;
using CotPipeline.IntegrationTests.LocalHost;

namespace CotPipeline.IntegrationTests.Browser;

/// <summary>A review request as the reviewer received it: who, and the personal link in the e-mail's text part.</summary>
public sealed record ReviewMail(string ReviewerId, string Email, string Link);

/// <summary>
/// A one-item batch for a department of its own on the shared host, and its review requests as the reviewers find them in
/// smtp4dev. Which reviewers were asked comes from the open assignments: the shared host also has reviewers of any
/// department ("*") registered by other tests, and they may be chosen too.
/// </summary>
internal static partial class ReviewScenario
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Registers <paramref name="reviewers"/> reviewers of <paramref name="department"/> and submits the batch of one item.</summary>
    public static async Task StartAsync(LocalHostFixture host, string department, int reviewers, string batchId, string item)
    {
        var registry = Enumerable.Range(1, reviewers).Select(i => new
        {
            id = $"{department}-{i}",
            name = $"Dr. {department} {i}",
            email = $"{department}-{i}@example.org",
            departments = new[] { department },
            capacity = 100,
        }).ToArray();
        await AssertStatusAsync(await host.Http.PostJsonAsync("/api/reviewers", registry), HttpStatusCode.OK, "POST /api/reviewers");
        await AssertStatusAsync(await host.Http.PostJsonlAsync($"/api/batches?batchId={batchId}", item), HttpStatusCode.Accepted, $"POST batch {batchId}");
    }

    /// <summary>One JSONL line: an item with the given options (<see cref="Api.Item"/> has fixed English ones).</summary>
    public static string Item(string id, string department, string question, IReadOnlyDictionary<string, string> options, string answer) =>
        new JsonObject
        {
            ["id"] = id,
            ["department"] = department,
            ["question"] = question,
            ["options"] = new JsonObject(options.Select(o => KeyValuePair.Create(o.Key, (JsonNode?)o.Value))),
            ["answer"] = answer,
        }.ToJsonString(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    /// <summary>Waits for <paramref name="count"/> open review assignments of the round and for each reviewer's e-mail, ordered by reviewer id.</summary>
    public static async Task<IReadOnlyList<ReviewMail>> MailsOfRoundAsync(LocalHostFixture host, string department, string batchId, string itemId, int round, int count)
    {
        var assigned = await Api.EventuallyAsync(
            async () => (await host.Http.OpenAssignmentsAsync(batchId))
                .Where(a => (string)a["itemId"]! == itemId && (int)a["round"]! == round && (string)a["kind"]! == "review")
                .Select(a => (string)a["reviewerId"]!)
                .Order(StringComparer.Ordinal)
                .ToList(),
            ids => ids.Count == count, Timeout, $"{count} open review assignments of {batchId}/{itemId} round {round}");
        var emails = (await host.Http.GetNodeAsync("/api/reviewers")).AsArray()
            .ToDictionary(r => (string)r!["id"]!, r => (string)r!["email"]!);
        var subject = Subject(department, itemId, round);
        var mails = new List<ReviewMail>();
        foreach (var reviewerId in assigned)
        {
            var email = emails[reviewerId];
            var messages = await Api.EventuallyAsync(
                async () => (await host.Smtp.MessagesToAsync(email)).Where(m => m.Subject == subject).ToList(),
                m => m.Count > 0, Timeout, $"the e-mail \"{subject}\" to {email}");
            var message = await host.Smtp.LoadAsync(Assert.Single(messages).Id);
            var link = Smtp4devFixture.ReviewLinkIn(message);
            Assert.True(link.Length > 0, $"The e-mail \"{subject}\" to {email} has no review link in its text part:\n{message.TextBody}");
            mails.Add(new ReviewMail(reviewerId, email, link));
        }

        return mails;
    }

    /// <summary>The subject of a review request; it names the department, so it is this test's mail even to a reviewer other tests use too.</summary>
    public static string Subject(string department, string itemId, int round) => $"Review request: {department} · item {itemId} · round {round}";

    private static async Task AssertStatusAsync(HttpResponseMessage response, HttpStatusCode expected, string what) =>
        Assert.True(response.StatusCode == expected, $"{what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
}
