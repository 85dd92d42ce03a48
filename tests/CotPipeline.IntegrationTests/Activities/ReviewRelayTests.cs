using Azure.Data.Tables;
using CotPipeline.Activities;
using CotPipeline.Constants;
using CotPipeline.Domain;
using CotPipeline.Http;
using CotPipeline.IntegrationTests.Infrastructure;
using CotPipeline.Links;
using CotPipeline.Models;
using CotPipeline.Options;
using CotPipeline.Storage;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;

namespace CotPipeline.IntegrationTests.Activities;

/// <summary>
/// A review is answered once it is stored (whole, in its Reviews row); its event and its assignment mark follow (<see cref="ReviewRelay"/>),
/// and whatever a dead host or a failed step left owed is finished by the relay's sweep or the reviewer's next try.
/// </summary>
public sealed class ReviewRelayTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly DateTime Deadline = new(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly AssignmentId Id = new("b1", "q1", 1, "r1");

    /// <summary>The review path over <paramref name="s"/>'s store, and its relay (one try of each follow-up, unless told otherwise).</summary>
    internal static (ReviewApi Reviews, ReviewRelay Relay) ReviewApi(StoreScenario s, int attempts = 1)
    {
        var relay = new ReviewRelay(s.Store, NullLogger<ReviewRelay>.Instance, attempts);
        return (new ReviewApi(s.Store, new ArtifactCache(s.Store), relay, Microsoft.Extensions.Options.Options.Create(new ApiOptions()), TimeProvider.System), relay);
    }

    [Fact]
    public async Task SubmitReview_EventStillBeingRaised_AnsweredThenRaisedMarkedAndForgotten()
    {
        var s = await AssignedAsync();
        var (reviews, relay) = ReviewApi(s);
        var raise = new TaskCompletionSource();
        var client = Client(raise.Task);

        var answer = reviews.SubmitAsync(Id, (await AssignmentAsync(s))!, Request(), client.Object, default);
        Assert.Equal(SubmissionKind.Counted, (await answer.WaitAsync(TimeSpan.FromSeconds(30))).Kind);

        // Answered while the event is on its way: stored, owed, the assignment still open.
        Assert.NotNull(await s.OtherProcessStore().ReviewAsync("b1", "q1", 1, "r1"));
        Assert.Equal([Id.ToString()], await RelayKeysAsync(s));
        Assert.Equal(AssignmentStatus.Open, (await AssignmentAsync(s))!.Status);

        raise.SetResult();
        await relay.IdleAsync();
        client.Verify(c => c.RaiseEventAsync(Ids.ItemInstance("b1", "q1"), EventNames.ReviewSubmitted, It.IsAny<object?>(), It.IsAny<CancellationToken>()), Times.Once);
        Assert.Equal(AssignmentStatus.Submitted, (await AssignmentAsync(s))!.Status);
        Assert.Equal(0, await s.Store.Workloads.OpenCountAsync("r1"));
        // The whole review is in its row, as read by another process: there is no other copy to wait for.
        var stored = Json.Deserialize<Review>((await s.OtherProcessStore().ReviewAsync("b1", "q1", 1, "r1"))!.ReviewJson)!;
        Assert.Equal(Verdict.Accept, stored.Verdict);
        Assert.Equal(Request().Scores!.OrderBy(c => c.Key), stored.Scores.OrderBy(c => c.Key));
        Assert.Empty(await RelayKeysAsync(s));
    }

    [Fact]
    public async Task ReviewPage_ReviewStoredAndItsEventStillOnItsWay_SaysAlreadySubmittedNotTheFormAgain()
    {
        var s = await AssignedAsync();
        await s.Store.CreateJsonAsync(CotStore.VersionPath("b1", "q1", 1), new RationaleVersion
        {
            BatchId = "b1", ItemId = "q1", Version = 1, Steps = ["The RCA supplies the inferior wall."], FinalAnswer = "C", Source = "llm",
            CreatedAt = DateTimeOffset.UnixEpoch,
        });
        await s.Store.Items.UpdateEntityAsync(new TableEntity("b1", "q1") { [nameof(ItemRow.State)] = "in-review", [nameof(ItemRow.Round)] = 1, [nameof(ItemRow.CurrentVersion)] = 1 }, Azure.ETag.All);
        var (reviews, relay) = ReviewApi(s);
        var signer = new ReviewLinkSigner(Microsoft.Extensions.Options.Options.Create(new ReviewLinkOptions
        {
            SigningKey = Convert.ToBase64String(new byte[32]), PublicBaseUrl = "http://localhost:7071",
        }));
        var link = signer.NewLink(Id, DateTimeOffset.UtcNow, Deadline);
        await s.Store.Assignments.UpdateEntityAsync(new TableEntity(Id.ReviewerId, Id.ToString())
        {
            [nameof(AssignmentRow.LinkId)] = link.LinkId, [nameof(AssignmentRow.LinkExpiresAt)] = link.ExpiresAt,
        }, Azure.ETag.All);
        var page = new ReviewPageApi(s.Store, new ArtifactCache(s.Store), signer, reviews, relay,
            Microsoft.Extensions.Options.Options.Create(new ApiOptions()), TimeProvider.System);
        var token = signer.Create(link);
        Assert.Equal(200, await StatusOfAsync(await page.ShowAsync(token, default)));

        var raise = new TaskCompletionSource();
        await reviews.SubmitAsync(Id, (await AssignmentAsync(s))!, Request(), Client(raise.Task).Object, default);
        Assert.True(relay.Owes(Id));
        Assert.Equal(AssignmentStatus.Open, (await AssignmentAsync(s))!.Status);
        Assert.Equal(409, await StatusOfAsync(await page.ShowAsync(token, default)));

        raise.SetResult();
        await relay.IdleAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(relay.Owes(Id));
        Assert.Equal(409, await StatusOfAsync(await page.ShowAsync(token, default)));
    }

    [Fact]
    public async Task SubmitReview_RoundClosedBeforeTheFollowUpMarksIt_AssignmentKeepsItsClosedStatus()
    {
        var s = await AssignedAsync();
        var (reviews, relay) = ReviewApi(s);
        var raise = new TaskCompletionSource();
        await reviews.SubmitAsync(Id, (await AssignmentAsync(s))!, Request(), Client(raise.Task).Object, default);
        // While the event is on its way the round ends without this reviewer (the deadline reassigned the review).
        await new CloseAssignments(s.Store).RunAsync(new CloseAssignmentsInput("b1", "q1", 1, ["r1"]));
        var closed = (await AssignmentAsync(s))!.Status;
        Assert.NotEqual(AssignmentStatus.Open, closed);

        raise.SetResult();
        await relay.IdleAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(closed, (await AssignmentAsync(s))!.Status);
        Assert.Empty(await RelayKeysAsync(s));
    }

    [Fact]
    public async Task SubmitReview_FollowUpsFinishTogetherOneRowSweptAlready_EveryRelayRowGoes()
    {
        var s = await AssignedAsync("r1", "r2");
        var (reviews, relay) = ReviewApi(s);
        var raise = new TaskCompletionSource();
        var second = Id with { ReviewerId = "r2" };
        await reviews.SubmitAsync(Id, (await AssignmentAsync(s))!, Request(), Client(raise.Task).Object, default);
        await reviews.SubmitAsync(second, (await AssignmentAsync(s, second))!, Request() with { AssignmentId = second.ToString() }, Client(raise.Task).Object, default);
        Assert.Equal(2, relay.Running);
        // A sweep elsewhere finished r1's review and removed its row: the transaction that removes both rows fails, one by one does not.
        await s.Store.ReviewRelay.DeleteEntityAsync(ReviewRelay.RelayPartition, Id.ToString());

        raise.SetResult();
        await relay.IdleAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Empty(await RelayKeysAsync(s));
        Assert.Equal(AssignmentStatus.Submitted, (await AssignmentAsync(s))!.Status);
        Assert.Equal(AssignmentStatus.Submitted, (await AssignmentAsync(s, second))!.Status);
    }

    [Fact]
    public async Task SubmitReview_EventCannotBeRaised_AnsweredAndOwedUntilTheNextTryRaisesAndFinishesIt()
    {
        var s = await AssignedAsync();
        var (reviews, relay) = ReviewApi(s);
        // The host's link to the engine fails as the review is raised (what a host killed at that moment leaves behind).
        var down = Client(Task.FromException(new IOException("host going down")));

        Assert.Equal(SubmissionKind.Counted, (await reviews.SubmitAsync(Id, (await AssignmentAsync(s))!, Request(), down.Object, default)).Kind);
        await relay.IdleAsync();

        // Stored, owed, not marked done: the review is still the reviewer's open work, so they (or the sweep, or the deadline) try again.
        Assert.Equal(AssignmentStatus.Open, (await AssignmentAsync(s))!.Status);
        Assert.Equal(1, await s.Store.Workloads.OpenCountAsync("r1"));
        Assert.Equal([Id.ToString()], await RelayKeysAsync(s));

        var up = Client(Task.CompletedTask);
        Assert.Equal(SubmissionKind.Replay, (await reviews.SubmitAsync(Id, (await AssignmentAsync(s))!, Request(), up.Object, default)).Kind);
        up.Verify(c => c.RaiseEventAsync(Ids.ItemInstance("b1", "q1"), EventNames.ReviewSubmitted, It.IsAny<object?>(), It.IsAny<CancellationToken>()), Times.Once);
        Assert.Equal(AssignmentStatus.Submitted, (await AssignmentAsync(s))!.Status);
        Assert.Equal(0, await s.Store.Workloads.OpenCountAsync("r1"));
        Assert.Empty(await RelayKeysAsync(s));
    }

    [Fact]
    public async Task SubmitReview_EngineAwayForAMoment_FollowUpTriedAgainUntilItIsDone()
    {
        var s = await AssignedAsync();
        var (reviews, relay) = ReviewApi(s, attempts: 3);
        var client = new Mock<DurableTaskClient>(MockBehavior.Strict, "test");
        client.SetupSequence(c => c.RaiseEventAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new IOException("engine restarting"))
            .ThrowsAsync(new IOException("engine restarting"))
            .Returns(Task.CompletedTask);

        Assert.Equal(SubmissionKind.Counted, (await reviews.SubmitAsync(Id, (await AssignmentAsync(s))!, Request(), client.Object, default)).Kind);
        await relay.IdleAsync().WaitAsync(TimeSpan.FromSeconds(30));

        // Third try (after 1 s and 2 s): raised, marked, forgotten.
        client.Verify(c => c.RaiseEventAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<CancellationToken>()), Times.Exactly(3));
        Assert.Equal(AssignmentStatus.Submitted, (await AssignmentAsync(s))!.Status);
        Assert.Empty(await RelayKeysAsync(s));
    }

    [Fact]
    public void RetryDelay_Tries_DoubleFromOneSecondUpToThirty() =>
        Assert.Equal([1, 2, 4, 8, 16, 30, 30], Enumerable.Range(1, 7).Select(a => ReviewRelay.RetryDelay(a).TotalSeconds));

    [Fact]
    public async Task SubmitReview_RelayRowCannotBeWritten_FinishedBeforeTheAnswer()
    {
        var s = await AssignedAsync();
        var (reviews, relay) = ReviewApi(s);
        await s.Store.ReviewRelay.DeleteAsync();
        var down = Client(Task.FromException(new IOException("host going down")));

        // Nothing would finish it later, so the submission does it all and fails as the event fails; the review is stored.
        var open = (await AssignmentAsync(s))!;
        await Assert.ThrowsAsync<IOException>(() => reviews.SubmitAsync(Id, open, Request(), down.Object, default));
        Assert.Equal(0, relay.Running);
        Assert.NotNull(await s.OtherProcessStore().ReviewAsync("b1", "q1", 1, "r1"));
        Assert.Equal(AssignmentStatus.Open, (await AssignmentAsync(s))!.Status);

        var up = Client(Task.CompletedTask);
        Assert.Equal(SubmissionKind.Replay, (await reviews.SubmitAsync(Id, (await AssignmentAsync(s))!, Request(), up.Object, default)).Kind);
        Assert.Equal(AssignmentStatus.Submitted, (await AssignmentAsync(s))!.Status);
    }

    [Fact]
    public async Task Sweep_ReviewsOwedByADeadHost_FinishedOnceTheyAreOldEnoughAndRowsWithoutAReviewGo()
    {
        var s = await AssignedAsync("r1", "r2");
        var (reviews, relay) = ReviewApi(s);
        var writtenAfter = DateTimeOffset.UtcNow.AddSeconds(-5);
        // r1's review stored by a host that died before raising it; r2 never got past the relay row (its review insert failed).
        await reviews.SubmitAsync(Id, (await AssignmentAsync(s))!, Request(), Client(Task.FromException(new IOException("killed"))).Object, default);
        await relay.IdleAsync();
        var lost = Id with { ReviewerId = "r2" };
        await s.Store.ReviewRelay.AddEntityAsync(new TableEntity(ReviewRelay.RelayPartition, lost.ToString()));
        Assert.Equal([Id.ToString(), lost.ToString()], await RelayKeysAsync(s));

        // Another host's sweep: rows younger than its cut-off may still be in their writer's hands and are left.
        var sweeper = new ReviewRelay(s.OtherProcessStore(), NullLogger<ReviewRelay>.Instance);
        var client = Client(Task.CompletedTask);
        Assert.Equal(0, await sweeper.SweepAsync(client.Object, writtenAfter, default));
        Assert.Equal(2, (await RelayKeysAsync(s)).Count);

        Assert.Equal(1, await sweeper.SweepAsync(client.Object, DateTimeOffset.UtcNow.AddSeconds(5), default));
        client.Verify(c => c.RaiseEventAsync(Ids.ItemInstance("b1", "q1"), EventNames.ReviewSubmitted,
            It.Is<object?>(e => ((ReviewSubmitted)e!).ReviewerId == "r1"), It.IsAny<CancellationToken>()), Times.Once);
        client.VerifyNoOtherCalls();
        Assert.Equal(AssignmentStatus.Submitted, (await AssignmentAsync(s))!.Status);
        Assert.Equal(AssignmentStatus.Open, (await AssignmentAsync(s, lost))!.Status);
        Assert.Empty(await RelayKeysAsync(s));

        // Nothing owed: a sweep changes nothing.
        Assert.Equal(0, await sweeper.SweepAsync(client.Object, DateTimeOffset.UtcNow.AddSeconds(5), default));
    }

    [Fact]
    public async Task SubmitReview_AfterItsRoundClosed_KeptUncountedNothingOwedAndASweptRowRaisesNothing()
    {
        var s = await AssignedAsync();
        var (reviews, relay) = ReviewApi(s);
        var assignment = (await AssignmentAsync(s))!;
        await new CloseAssignments(s.Store).RunAsync(new CloseAssignmentsInput("b1", "q1", 1, ["r1"]));
        var closed = (await AssignmentAsync(s))!;

        // A late review is stored for the audit trail, not counted; nothing follows it, so no relay row is written. (The strict
        // client would fail the submission if anything were raised.)
        Assert.Equal(SubmissionKind.Late, (await reviews.SubmitAsync(Id, closed, Request(), StoreScenario.NoClient, default)).Kind);
        await relay.IdleAsync();
        Assert.False((await s.OtherProcessStore().ReviewAsync("b1", "q1", 1, "r1"))!.Counted);
        Assert.Empty(await RelayKeysAsync(s));

        // A relay row a host of an earlier version left for a late review: the sweep removes it and raises nothing.
        await s.Store.ReviewRelay.UpsertEntityAsync(new TableEntity(ReviewRelay.RelayPartition, Id.ToString()));
        Assert.Equal(1, await relay.SweepAsync(StoreScenario.NoClient, DateTimeOffset.UtcNow.AddSeconds(5), default));
        Assert.Equal(closed.Status, (await AssignmentAsync(s))!.Status);
        Assert.NotEqual(assignment.Status, closed.Status);
        Assert.Empty(await RelayKeysAsync(s));
    }

    /// <summary>Item q1 of batch b1 with <paramref name="reviewers"/> (r1 alone when none is named) assigned to round 1.</summary>
    private async Task<StoreScenario> AssignedAsync(params string[] reviewers)
    {
        reviewers = reviewers.Length == 0 ? ["r1"] : reviewers;
        var s = await new StoreScenario(azurite).WithItemAsync();
        foreach (var reviewer in reviewers)
        {
            await s.WithReviewerAsync(reviewer);
        }

        var assigned = await new AssignReviewers(s.Store, TimeProvider.System)
            .RunAsync(new AssignReviewersInput("b1", "q1", 1, 1, reviewers.Length, [], Deadline, RoundHasReviewers: false));
        Assert.Equal(reviewers.Order(), assigned.Order());
        return s;
    }

    private static async Task<int> StatusOfAsync(Microsoft.AspNetCore.Http.IResult result)
    {
        var http = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        http.Response.Body = new MemoryStream();
        await result.ExecuteAsync(http);
        return http.Response.StatusCode;
    }

    private static ReviewRequest Request() =>
        new(Id.ToString(), Verdict.Accept, RubricOptions.Default().Criteria.ToDictionary(c => c.Id, c => c.ScaleMax), null, null);

    /// <summary>A client whose every raise ends as <paramref name="raised"/> does; nothing else may be asked of it.</summary>
    private static Mock<DurableTaskClient> Client(Task raised)
    {
        var client = new Mock<DurableTaskClient>(MockBehavior.Strict, "test");
        client.Setup(c => c.RaiseEventAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<CancellationToken>())).Returns(raised);
        return client;
    }

    private static Task<AssignmentRow?> AssignmentAsync(StoreScenario s, AssignmentId? id = null)
    {
        var key = id ?? Id;
        return s.Store.GetRowAsync<AssignmentRow>(s.Store.Assignments, key.ReviewerId, key.ToString());
    }

    private static async Task<List<string>> RelayKeysAsync(StoreScenario s)
    {
        var keys = new List<string>();
        await foreach (var row in s.Store.ReviewRelay.QueryAsync<TableEntity>(select: ["RowKey"]))
        {
            keys.Add(row.RowKey);
        }

        return keys;
    }
}
