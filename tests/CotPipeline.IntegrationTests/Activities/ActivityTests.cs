using Azure.Data.Tables;
using CotPipeline.Activities;
using CotPipeline.Domain;
using CotPipeline.Http;
using CotPipeline.IntegrationTests.Infrastructure;
using CotPipeline.Llm;
using CotPipeline.Models;
using CotPipeline.Operations;
using CotPipeline.Options;
using CotPipeline.Storage;
using Microsoft.DurableTask.Client;
using Moq;

namespace CotPipeline.IntegrationTests.Activities;

/// <summary>The activities against real storage (Azurite): routing, idempotent retries, nothing overwritten.</summary>
public sealed class ActivityTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly DateTime Deadline = new(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static AssignReviewersInput Assign(int count, params string[] exclude) =>
        new("b1", "q1", 1, 1, count, exclude, Deadline, RoundHasReviewers: false);

    [Fact]
    public async Task AssignReviewers_DepartmentMatchesFirst_ThenOthersWhenTooFew()
    {
        var s = await new StoreScenario(azurite).WithItemAsync();
        await s.WithReviewerAsync("neuro", "neurology");
        await s.WithReviewerAsync("cardio", "Cardiology|respiratory");
        await s.WithReviewerAsync("any", "*");

        var two = await new AssignReviewers(s.Store, TimeProvider.System).RunAsync(Assign(2));
        Assert.Equal(["any", "cardio"], two.Order());

        var third = await new AssignReviewers(s.Store, TimeProvider.System).RunAsync(Assign(1, "any", "cardio"));
        Assert.Equal(["neuro"], third);
        Assert.Equal("in-review", (await s.ItemRowAsync()).State);
    }

    [Fact]
    public async Task AssignReviewers_RegistryChangedByAnotherInstance_RoutedOnTheLastReadUntilItsLifetimeEnds()
    {
        var s = await new StoreScenario(azurite).WithItemAsync();
        await s.WithItemAsync(item: StoreScenario.Item with { Id = "q2" });
        await s.WithItemAsync(item: StoreScenario.Item with { Id = "q3" });
        await s.WithReviewerAsync("first");
        var activity = new AssignReviewers(s.StoreRoutingEvery(TimeSpan.FromSeconds(3)), TimeProvider.System);
        Assert.Equal(["first"], await activity.RunAsync(Assign(1)));

        // Another instance deactivates "first" and registers "second": this one routes on its last read for a while yet.
        await s.WithReviewerAsync("first", active: false);
        await s.WithReviewerAsync("second");
        Assert.Equal(["first"], await activity.RunAsync(Assign(1) with { ItemId = "q2" }));

        await Task.Delay(TimeSpan.FromSeconds(3.2));
        Assert.Equal(["second"], await activity.RunAsync(Assign(1) with { ItemId = "q3" }));
    }

    [Fact]
    public async Task AssignReviewers_RegistryForgottenAfterAChangeHere_NextRoundReadsItAgain()
    {
        var s = await new StoreScenario(azurite).WithItemAsync();
        await s.WithItemAsync(item: StoreScenario.Item with { Id = "q2" });
        await s.WithReviewerAsync("first");
        var store = s.StoreRoutingEvery(TimeSpan.FromHours(1));
        var activity = new AssignReviewers(store, TimeProvider.System);
        Assert.Equal(["first"], await activity.RunAsync(Assign(1)));

        // As the reviewer API does after storing a change.
        await s.WithReviewerAsync("first", active: false);
        await s.WithReviewerAsync("second");
        store.ForgetRegistry();

        Assert.Equal(["second"], await activity.RunAsync(Assign(1) with { ItemId = "q2" }));
    }

    [Fact]
    public async Task AssignReviewers_LeastOpenWorkFirst_CapacityAndInactiveRespected()
    {
        var s = await new StoreScenario(azurite).WithItemAsync();
        await s.WithItemAsync(item: StoreScenario.Item with { Id = "q2" });
        await s.WithReviewerAsync("busy", capacity: 10);
        await s.WithReviewerAsync("full", capacity: 1);
        await s.WithReviewerAsync("idle");
        await s.WithReviewerAsync("gone", active: false);
        var activity = new AssignReviewers(s.Store, TimeProvider.System);
        await activity.RunAsync(new AssignReviewersInput("b1", "q2", 1, 1, 2, ["idle"], Deadline, false));

        var picked = await activity.RunAsync(Assign(3));

        Assert.Equal(["busy", "idle"], picked.Order());
        Assert.Equal("idle", (await activity.RunAsync(new AssignReviewersInput("b1", "q1", 2, 1, 1, [], Deadline, false))).Single());
    }

    [Fact]
    public async Task AssignReviewers_NobodyFree_ReturnsNoneAndItemAwaitsReviewer()
    {
        var s = await new StoreScenario(azurite).WithItemAsync();
        await s.WithReviewerAsync("author");

        var picked = await new AssignReviewers(s.Store, TimeProvider.System).RunAsync(Assign(2, "author"));

        Assert.Empty(picked);
        Assert.Equal("awaiting-reviewer", (await s.ItemRowAsync()).State);
    }

    [Fact]
    public async Task AssignReviewers_RetriedStep_SameReviewersOneRowEach()
    {
        var s = await new StoreScenario(azurite).WithItemAsync();
        foreach (var id in new[] { "r1", "r2", "r3", "r4" })
        {
            await s.WithReviewerAsync(id);
        }

        var activity = new AssignReviewers(s.Store, TimeProvider.System);
        var first = await activity.RunAsync(Assign(2));
        var retry = await activity.RunAsync(Assign(2));

        Assert.Equal(first.Order(), retry.Order());
        var rows = 0;
        await foreach (var _ in s.Store.Assignments.QueryAsync<AssignmentRow>())
        {
            rows++;
        }

        Assert.Equal(2, rows);
        foreach (var id in new[] { "r1", "r2", "r3", "r4" })
        {
            Assert.Equal(first.Contains(id) ? 1 : 0, await s.Store.Workloads.OpenCountAsync(id));
        }
    }

    [Fact]
    public async Task AssignReviewers_RetriedWhileOthersTookWork_SameReviewersAsTheRecordedChoice()
    {
        // Between the first run and its retry, the chosen reviewers got busier than the others: a new choice would pick others.
        var s = await new StoreScenario(azurite).WithItemAsync();
        await s.WithItemAsync(item: StoreScenario.Item with { Id = "q2" });
        foreach (var id in new[] { "r1", "r2", "r3", "r4" })
        {
            await s.WithReviewerAsync(id);
        }

        var activity = new AssignReviewers(s.Store, TimeProvider.System);
        var first = await activity.RunAsync(Assign(2));
        var busier = await activity.RunAsync(new AssignReviewersInput("b1", "q2", 1, 1, 2, [.. new[] { "r1", "r2", "r3", "r4" }.Except(first)], Deadline, false));
        Assert.Equal(first.Order(), busier.Order());

        var retry = await activity.RunAsync(Assign(2));

        Assert.Equal(first.Order(), retry.Order());
        foreach (var id in first)
        {
            Assert.Equal(2, await s.Store.Workloads.OpenCountAsync(id));
        }
    }

    [Fact]
    public async Task Workloads_EveryWayOutOfOpen_CountsRightAfterEachAndOnce()
    {
        var s = await new StoreScenario(azurite).WithItemAsync();
        foreach (var q in new[] { "q2", "q3" })
        {
            await s.WithItemAsync(item: StoreScenario.Item with { Id = q });
        }

        await s.WithReviewerAsync("r1");
        await s.WithReviewerAsync("r2");
        var activity = new AssignReviewers(s.Store, TimeProvider.System);
        foreach (var q in new[] { "q1", "q2", "q3" })
        {
            Assert.Equal(["r1", "r2"], (await activity.RunAsync(new AssignReviewersInput("b1", q, 1, 1, 2, [], Deadline, false))).Order());
        }

        Assert.Equal((3, 3), (await s.Store.Workloads.OpenCountAsync("r1"), await s.Store.Workloads.OpenCountAsync("r2")));

        // Submitted (and the same review sent again: a replay counts nothing).
        var (reviews, relay) = ReviewRelayTests.ReviewApi(s);
        var client = new Mock<DurableTaskClient>("test").Object;
        var id = new AssignmentId("b1", "q1", 1, "r1");
        var request = new ReviewRequest(id.ToString(), Verdict.Accept, RubricOptions.Default().Criteria.ToDictionary(c => c.Id, c => c.ScaleMax), null, null);
        Assert.Equal(SubmissionKind.Counted, (await reviews.SubmitAsync(id, (await AssignmentAsync(s, id))!, request, client, default)).Kind);
        await relay.IdleAsync();
        Assert.Equal(2, await s.Store.Workloads.OpenCountAsync("r1"));
        Assert.Equal(SubmissionKind.Replay, (await reviews.SubmitAsync(id, (await AssignmentAsync(s, id))!, request, client, default)).Kind);
        Assert.Equal(2, await s.Store.Workloads.OpenCountAsync("r1"));

        // Reassigned, twice (a retried step).
        for (var i = 0; i < 2; i++)
        {
            await new CloseAssignments(s.Store).RunAsync(new CloseAssignmentsInput("b1", "q1", 1, ["r2"]));
            Assert.Equal(2, await s.Store.Workloads.OpenCountAsync("r2"));
        }

        // Cancelled: the item's open assignments are closed.
        await new ItemCanceller(s.Store, TimeProvider.System).CloseOpenAssignmentsAsync("b1", "q2", default);
        Assert.Equal((1, 1), (await s.Store.Workloads.OpenCountAsync("r1"), await s.Store.Workloads.OpenCountAsync("r2")));

        // The adjudicator's open work counts too, once however often it is asked, and ends with the decision.
        await s.WithReviewerAsync("adj", adjudicator: true);
        await s.Store.Items.UpsertEntityAsync(new ItemRow { PartitionKey = "b1", RowKey = "q3", Department = "cardiology", State = "adjudication" });
        for (var i = 0; i < 2; i++)
        {
            await new RequestAdjudication(s.Store, TimeProvider.System).RunAsync(new RequestAdjudicationInput("b1", "q3", 1, 3, Deadline), client);
        }

        Assert.Equal(1, await s.Store.Workloads.OpenCountAsync("adj"));
        var decided = await reviews.DecideAsync(new AdjudicationRequest("b1", "q3", "adj", AdjudicationDecision.Exclude, null, "off topic"), client, default);
        Assert.Equal(AdjudicationOutcomeKind.Decided, decided.Kind);
        Assert.Equal(0, await s.Store.Workloads.OpenCountAsync("adj"));
    }

    [Fact]
    public async Task Workloads_DriftedByACrashBetweenTwoWrites_RecountSetsItRight()
    {
        var s = await new StoreScenario(azurite).WithItemAsync();
        await s.WithReviewerAsync("r1");
        // Open rows whose count was never written, and a count for an assignment whose status changed without it.
        var now = DateTimeOffset.UtcNow;
        foreach (var q in new[] { "q1", "q2" })
        {
            await s.Store.Assignments.AddEntityAsync(AssignmentRow.Open(new AssignmentId("b1", q, 1, "r1"), 1, 1, AssignmentKind.Review, now, Deadline));
        }

        var gone = new AssignmentId("b1", "q3", 1, "r1");
        var row = AssignmentRow.Open(gone, 1, 1, AssignmentKind.Review, now, Deadline);
        row.Status = AssignmentStatus.Submitted;
        await s.Store.Assignments.AddEntityAsync(row);
        Assert.True(await s.Store.Workloads.OpenAsync(gone));
        Assert.False(await s.Store.Workloads.OpenAsync(gone));
        Assert.Equal(1, await s.Store.Workloads.OpenCountAsync("r1"));

        var recounted = await s.Store.Workloads.RecountAsync("r1", null, now);

        Assert.Equal(2, recounted);
        Assert.Equal(2, await s.Store.Workloads.OpenCountAsync("r1"));
        var read = (await s.Store.Workloads.ReadAllAsync())["r1"];
        Assert.Equal(2, read.Open);
        // Only one caller checks at a time: a caller that read an older stamp does not check again.
        Assert.Null(await s.Store.Workloads.RecountAsync("r1", null, now.AddHours(2)));
        Assert.Equal(2, await s.Store.Workloads.RecountAsync("r1", read.CheckedAt, now.AddHours(2)));
    }

    [Fact]
    public async Task WorkloadsView_ChangesOfThisProcessAtOnce_OthersAtTheNextRead()
    {
        var s = await new StoreScenario(azurite).WithItemAsync();
        await s.WithReviewerAsync("r1");
        var here = new Workloads(s.Store.OpenWork, s.Store.Assignments, TimeSpan.FromHours(1));
        var elsewhere = new Workloads(s.Store.OpenWork, s.Store.Assignments, TimeSpan.FromHours(1));
        Assert.False((await here.ViewAsync()).ContainsKey("r1"));

        Assert.True(await here.OpenAsync(new AssignmentId("b1", "q1", 1, "r1")));
        Assert.True(await here.OpenAsync(new AssignmentId("b1", "q2", 1, "r1")));
        Assert.True(await elsewhere.OpenAsync(new AssignmentId("b1", "q3", 1, "r1")));
        Assert.True(await here.CloseAsync(new AssignmentId("b1", "q1", 1, "r1")));
        // Repeats change nothing: the marker was already there, or already gone.
        Assert.False(await here.OpenAsync(new AssignmentId("b1", "q2", 1, "r1")));
        Assert.False(await here.CloseAsync(new AssignmentId("b1", "q1", 1, "r1")));

        Assert.Equal(1, (await here.ViewAsync())["r1"].Open);
        Assert.Equal(2, (await new Workloads(s.Store.OpenWork, s.Store.Assignments, TimeSpan.Zero).ViewAsync())["r1"].Open);
        // A recount sets the view right at once, with when it was checked.
        var now = DateTimeOffset.UtcNow;
        await s.Store.Assignments.AddEntityAsync(AssignmentRow.Open(new AssignmentId("b1", "q2", 1, "r1"), 1, 1, AssignmentKind.Review, now, Deadline));
        await s.Store.Assignments.AddEntityAsync(AssignmentRow.Open(new AssignmentId("b1", "q3", 1, "r1"), 1, 1, AssignmentKind.Review, now, Deadline));
        Assert.Equal(2, await here.RecountAsync("r1", null, now));
        Assert.Equal(new Workload(2, now), (await here.ViewAsync())["r1"]);
    }

    [Fact]
    public async Task Workloads_RowsAnEarlierVersionKeptInTheRegistry_MovedToOpenWorkOnceAndCounted()
    {
        var s = await new StoreScenario(azurite).WithItemAsync();
        await s.WithReviewerAsync("r1");
        await s.WithReviewerAsync("r2");
        // As an earlier version wrote them: after the registry's rows, in its partition. 150 markers take two pages.
        var checkedAt = new DateTimeOffset(2026, 11, 1, 8, 0, 0, TimeSpan.Zero);
        var old = Enumerable.Range(1, 150).Select(i => new TableEntity(ReviewerRow.Partition, $"~open:r1:{new AssignmentId("b1", $"q{i}", 1, "r1")}"))
            .Append(new TableEntity(ReviewerRow.Partition, "~open:r2:" + new AssignmentId("b1", "q1", 1, "r2")))
            .Append(new TableEntity(ReviewerRow.Partition, "~checked:r1") { ["CheckedAt"] = checkedAt });
        foreach (var row in old)
        {
            await s.Store.Reviewers.AddEntityAsync(row);
        }

        Assert.Equal(152, await s.Store.Workloads.MoveFromRegistryAsync(s.Store.Reviewers));
        Assert.Equal(0, await s.Store.Workloads.MoveFromRegistryAsync(s.Store.Reviewers));

        var all = await s.Store.Workloads.ReadAllAsync();
        Assert.Equal(new Workload(150, checkedAt), all["r1"]);
        Assert.Equal(new Workload(1, null), all["r2"]);
        var left = new List<string>();
        await foreach (var row in s.Store.Reviewers.QueryAsync<TableEntity>(select: ["RowKey"]))
        {
            left.Add(row.RowKey);
        }

        Assert.Equal(["r1", "r2"], left.Order());
    }

    private static Task<AssignmentRow?> AssignmentAsync(StoreScenario s, AssignmentId id) =>
        s.Store.GetRowAsync<AssignmentRow>(s.Store.Assignments, id.ReviewerId, id.ToString());

    [Fact]
    public async Task AssignReviewers_RetriedWhenNobodyIsFreeAnyMore_SameReviewersAsTheRecordedChoice()
    {
        // The round's first call chooses before it looks for a record; a retry that could choose nobody now must still find it.
        var s = await new StoreScenario(azurite).WithItemAsync();
        await s.WithReviewerAsync("only", capacity: 1);
        var activity = new AssignReviewers(s.Store, TimeProvider.System);
        Assert.Equal(["only"], await activity.RunAsync(Assign(1)));

        Assert.Equal(["only"], await activity.RunAsync(Assign(1)));
        Assert.Equal(["only"], await new AssignReviewers(s.OtherProcessStore(), TimeProvider.System).RunAsync(Assign(1)));
        Assert.Equal(1, await s.Store.Workloads.OpenCountAsync("only"));
    }

    [Fact]
    public async Task UpdateItemAsync_RowChangedInAnotherProcessSinceThisOneWroteIt_DecidedOnTheStoredRow()
    {
        var s = await new StoreScenario(azurite).WithItemAsync();
        var other = s.OtherProcessStore();
        Task<bool> Move(CotStore store, ItemState to, bool finalizing = false) =>
            store.UpdateItemAsync("b1", "q1", row => { row.State = to.Name(); return true; }, DateTimeOffset.UtcNow, finalizing);

        // This process's copy says in review; the operator cancelled the item elsewhere: finalizing leaves it cancelled.
        Assert.True(await Move(s.Store, ItemState.InReview));
        Assert.True(await Move(other, ItemState.Cancelled, finalizing: true));
        await new FinalizeItem(s.Store, TimeProvider.System).RunAsync(new FinalizeItemInput("b1", "q1", ItemState.Verified, 1, 1, "accepted"));
        Assert.Equal("cancelled", (await s.ItemRowAsync()).State);
        Assert.Null(await s.Store.ReadJsonAsync<FinalRecord>(CotStore.FinalPath("b1", "q1")));

        // This process's copy says failed (final); the row was set going again elsewhere: a change is not refused on the copy.
        Assert.True(await Move(s.Store, ItemState.Failed, finalizing: true));
        Assert.True(await Move(other, ItemState.Pending, finalizing: true));
        Assert.True(await Move(s.Store, ItemState.InReview));
        Assert.Equal("in-review", (await s.ItemRowAsync()).State);
        Assert.Equal(1, (await ItemCounters.ReadAsync(s.Store.Items, "b1", default))["in-review"]);
    }

    [Fact]
    public async Task UpdateItemAsync_RowReadBeforeAnotherWriterChangedIt_ReadAgainAndWritten()
    {
        // A transaction whose item row is out of date fails on that row, not on a counter: the row must be read again.
        var s = await new StoreScenario(azurite).WithItemAsync();
        var stale = await s.ItemRowAsync();
        Assert.True(await s.OtherProcessStore().UpdateItemAsync("b1", "q1", row => { row.Round = 1; return true; }, DateTimeOffset.UtcNow));

        Assert.True(await s.Store.UpdateItemAsync(stale, row => { row.State = ItemState.InReview.Name(); return true; }, DateTimeOffset.UtcNow));

        var stored = await s.ItemRowAsync();
        Assert.Equal((1, "in-review"), (stored.Round, stored.State));
    }

    [Fact]
    public async Task RecoverReviews_ReviewStoredElsewhereAfterAnEarlierLook_Found()
    {
        var s = await new StoreScenario(azurite).WithItemAsync();
        await s.WithReviewerAsync("slow");
        await new AssignReviewers(s.Store, TimeProvider.System).RunAsync(Assign(1));
        var recover = new RecoverReviews(s.Store);
        Assert.Empty(await recover.RunAsync(new RecoverReviewsInput("b1", "q1", 1, ["slow"])));

        // A missing review is not remembered as missing: stored by another host, it is found at the next deadline.
        var other = s.OtherProcessStore();
        await other.Reviews.AddEntityAsync(ReviewRow.From(ReviewOf("slow"), counted: true));

        Assert.Equal(["slow"], await recover.RunAsync(new RecoverReviewsInput("b1", "q1", 1, ["slow"])));
    }

    [Fact]
    public async Task AssignReviewers_RetriedAfterAReviewerAlreadySubmitted_SameReviewersAndTheSubmissionStands()
    {
        // The host was killed after the first run wrote its rows but before the orchestrator saw the result;
        // a reviewer submitted meanwhile. The retry must hand back the same reviewers, not ask strangers.
        var s = await new StoreScenario(azurite).WithItemAsync();
        await s.WithReviewerAsync("r1");
        await s.WithReviewerAsync("r2");
        await s.WithReviewerAsync("r3");
        var activity = new AssignReviewers(s.Store, TimeProvider.System);
        var first = await activity.RunAsync(Assign(2));
        var submitted = (await s.Store.GetRowAsync<AssignmentRow>(s.Store.Assignments, first[0], new AssignmentId("b1", "q1", 1, first[0]).ToString()))!;
        submitted.Status = AssignmentStatus.Submitted;
        await s.Store.Assignments.UpdateEntityAsync(submitted, submitted.ETag);

        var retry = await activity.RunAsync(Assign(2));

        Assert.Equal(first.Order(), retry.Order());
        var after = await s.Store.GetRowAsync<AssignmentRow>(s.Store.Assignments, first[0], submitted.RowKey);
        Assert.Equal(AssignmentStatus.Submitted, after!.Status);
        Assert.Equal("in-review", (await s.ItemRowAsync()).State);
    }

    [Fact]
    public async Task AssignReviewers_ReviewerWhoseAssignmentWasClosed_NotAskedAgainInThatRound()
    {
        var s = await new StoreScenario(azurite).WithItemAsync();
        await s.WithReviewerAsync("late");
        await s.WithReviewerAsync("other");
        var activity = new AssignReviewers(s.Store, TimeProvider.System);
        Assert.Equal("late", (await activity.RunAsync(Assign(1, "other"))).Single());
        await new CloseAssignments(s.Store).RunAsync(new CloseAssignmentsInput("b1", "q1", 1, ["late"]));

        var replacement = await activity.RunAsync(Assign(2));

        Assert.Equal(["other"], replacement);
    }

    /// <summary>Reviewer r1 assigned to item q1 in round 1, and the assignment's row as read then.</summary>
    private async Task<(StoreScenario S, AssignmentId Id, AssignmentRow Read)> AssignedAndReadAsync()
    {
        var s = await new StoreScenario(azurite).WithItemAsync();
        await s.WithReviewerAsync("r1");
        await new AssignReviewers(s.Store, TimeProvider.System).RunAsync(Assign(1));
        var id = new AssignmentId("b1", "q1", 1, "r1");
        return (s, id, (await AssignmentAsync(s, id))!);
    }

    [Fact]
    public async Task EndIfOpen_RowChangedByTheLinkOfItsEmailSinceItWasRead_ReadAgainAndEnded()
    {
        // The close of a round (or a cancel) that read the row just before the e-mail step stored its link: it used to take that
        // write's 412 for a review having come and leave the assignment open, so its link kept taking reviews that counted.
        var (s, id, read) = await AssignedAndReadAsync();
        await s.Store.Assignments.UpdateEntityAsync(new TableEntity(read.PartitionKey, read.RowKey) { [nameof(AssignmentRow.LinkId)] = "link-1" }, read.ETag);

        Assert.True(await s.Store.EndIfOpenAsync(id, read, AssignmentStatus.Reassigned));

        var stored = (await AssignmentAsync(s, id))!;
        Assert.Equal((AssignmentStatus.Reassigned, "link-1"), (stored.Status, stored.LinkId));
        Assert.Equal(0, await s.Store.Workloads.OpenCountAsync("r1"));
    }

    [Fact]
    public async Task EndIfOpen_ReviewMarkedItSubmittedSinceItWasRead_StaysSubmitted()
    {
        var (s, id, read) = await AssignedAndReadAsync();
        await s.Store.MarkSubmittedAsync(id, (await AssignmentAsync(s, id))!);

        Assert.False(await s.Store.EndIfOpenAsync(id, read, AssignmentStatus.Reassigned));

        Assert.Equal(AssignmentStatus.Submitted, (await AssignmentAsync(s, id))!.Status);
    }

    [Fact]
    public async Task AssignReviewers_FallbackDepartments_TriedInOrderBeforeOthersEvenWithMoreOpenWork()
    {
        var s = await new StoreScenario(azurite) { Settings = Routed(anyDepartmentLast: true, "internal-medicine", "emergency") }.WithItemAsync();
        await s.WithItemAsync(item: StoreScenario.Item with { Id = "q2" });
        await s.WithReviewerAsync("cardio", "Cardiology");
        await s.WithReviewerAsync("derm", "dermatology");
        await s.WithReviewerAsync("emerg", "emergency");
        await s.WithReviewerAsync("intmed", "internal-medicine|neurology");
        var activity = new AssignReviewers(s.Store, TimeProvider.System);
        // The first fallback has more open work than the second and than the other department: the rank still comes first.
        Assert.Equal(["intmed"], await activity.RunAsync(new AssignReviewersInput("b1", "q2", 1, 1, 1, ["cardio"], Deadline, false)));

        Assert.Equal(["cardio", "intmed"], await activity.RunAsync(Assign(2)));
        Assert.Equal(["emerg", "derm"], await activity.RunAsync(Assign(2, "cardio", "intmed") with { Round = 2 }));
    }

    [Fact]
    public async Task AssignReviewers_AnyDepartmentLastOff_OnlyDepartmentAndFallbacksAndItemAwaitsWhenNoneIsFree()
    {
        var s = await new StoreScenario(azurite) { Settings = Routed(anyDepartmentLast: false, "emergency") }.WithItemAsync();
        await s.WithReviewerAsync("derm", "dermatology");
        await s.WithReviewerAsync("neuro", "neurology");
        await s.WithReviewerAsync("emerg", "emergency", capacity: 1);
        var activity = new AssignReviewers(s.Store, TimeProvider.System);

        Assert.Equal(["emerg"], await activity.RunAsync(Assign(2)));
        Assert.Equal("in-review", (await s.ItemRowAsync()).State);

        // Round 2: the only fallback reviewer is at capacity (its round-1 assignment is open), and others may not review.
        Assert.Empty(await activity.RunAsync(Assign(2) with { Round = 2 }));
        Assert.Equal("awaiting-reviewer", (await s.ItemRowAsync()).State);
    }

    [Fact]
    public async Task AssignReviewers_AuthorOfTheVersion_NeverPickedWhateverItsRank()
    {
        var s = await new StoreScenario(azurite) { Settings = Routed(anyDepartmentLast: false, "emergency") }.WithItemAsync();
        await s.WithReviewerAsync("author", "cardiology");
        await s.WithReviewerAsync("emerg", "emergency");
        await s.WithReviewerAsync("any", "*", active: false);

        var picked = await new AssignReviewers(s.Store, TimeProvider.System).RunAsync(Assign(2, "author"));

        Assert.Equal(["emerg"], picked);
    }

    [Fact]
    public async Task AssignReviewers_SnapshotWithoutRouting_OwnDepartmentThenAnyone()
    {
        var s = await new StoreScenario(azurite).WithItemAsync();
        var json = System.Text.Json.Nodes.JsonNode.Parse(Json.Serialize(s.Settings))!.AsObject();
        json.Remove("routing");
        await s.Store.Blob(CotStore.SettingsPath("b1")).UploadAsync(BinaryData.FromString(json.ToJsonString()), overwrite: true);
        await s.WithReviewerAsync("neuro", "neurology");
        await s.WithReviewerAsync("cardio", "cardiology");

        Assert.Equal(["cardio", "neuro"], await new AssignReviewers(s.Store, TimeProvider.System).RunAsync(Assign(2)));
    }

    /// <summary>Default settings, with the item's department (cardiology) falling back to <paramref name="fallbacks"/> in order.</summary>
    private static BatchSettings Routed(bool anyDepartmentLast, params string[] fallbacks) =>
        BatchSettings.From(RubricOptions.Default(), new PipelineOptions
        {
            AnyDepartmentLast = anyDepartmentLast,
            DepartmentFallbacks = new() { ["cardiology"] = [.. fallbacks] },
        }, "offline-template");

    [Fact]
    public async Task GenerateCandidate_RetriedAfterTheModelAnswered_DoesNotCallTheModelAgain()
    {
        var s = await new StoreScenario(azurite).WithItemAsync();
        var model = new Mock<IRationaleModel>(MockBehavior.Strict);
        model.Setup(m => m.GenerateAsync(It.IsAny<RationaleRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new GeneratedRationale(["首先", "then C"], "C", "m1", "rationale-v1", new TokenUsage(100, 20)));
        var activity = new GenerateCandidate(s.Store, model.Object, TimeProvider.System);
        var input = new GenerateCandidateInput("b1", "q1", 1, 0, 0, null, null, null);

        var first = await activity.RunAsync(input);
        var retry = await activity.RunAsync(input);

        Assert.True(first.Passed);
        Assert.Equal(first with { Problems = [] }, retry with { Problems = [] });
        model.Verify(m => m.GenerateAsync(It.IsAny<RationaleRequest>(), It.IsAny<CancellationToken>()), Times.Once);
        var stored = await s.Store.ReadJsonAsync<RationaleVersion>(first.Path);
        Assert.Equal(("llm", "m1", 100, "首先"), (stored!.Source, stored.Model, stored.Tokens.Prompt, stored.Steps[0]));
    }

    [Fact]
    public async Task GenerateCandidate_RetriedInAnotherProcess_DoesNotCallTheModelAgain()
    {
        var s = await new StoreScenario(azurite).WithItemAsync();
        var model = new Mock<IRationaleModel>(MockBehavior.Strict);
        model.Setup(m => m.GenerateAsync(It.IsAny<RationaleRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new GeneratedRationale(["首先", "then C"], "C", "m1", "rationale-v1", new TokenUsage(100, 20)));
        var input = new GenerateCandidateInput("b1", "q1", 1, 0, 0, null, null, null);

        var first = await new GenerateCandidate(s.Store, model.Object, TimeProvider.System).RunAsync(input);
        var retry = await new GenerateCandidate(s.OtherProcessStore(), model.Object, TimeProvider.System).RunAsync(input);

        Assert.Equal(first with { Problems = [] }, retry with { Problems = [] });
        model.Verify(m => m.GenerateAsync(It.IsAny<RationaleRequest>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task CommitVersion_FromCandidate_RetriedInAnotherProcess_TheFirstVersionStands()
    {
        var s = await new StoreScenario(azurite).WithItemAsync();
        var model = new Mock<IRationaleModel>();
        model.Setup(m => m.GenerateAsync(It.IsAny<RationaleRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new GeneratedRationale(["首先", "then C"], "C", "m1", "rationale-v1", new TokenUsage(100, 20)));
        var candidate = await new GenerateCandidate(s.Store, model.Object, TimeProvider.System)
            .RunAsync(new GenerateCandidateInput("b1", "q1", 1, 0, 0, null, null, null));
        var input = new CommitVersionInput("b1", "q1", 1, null, VersionOrigin.Candidate, CandidatePath: candidate.Path);

        var first = await new CommitVersion(s.Store, TimeProvider.System).RunAsync(input);
        var before = (await s.Store.Blob(CotStore.VersionPath("b1", "q1", 1)).GetPropertiesAsync()).Value.ETag;
        var retry = await new CommitVersion(s.OtherProcessStore(), TimeProvider.System).RunAsync(input);
        var after = (await s.Store.Blob(CotStore.VersionPath("b1", "q1", 1)).GetPropertiesAsync()).Value.ETag;

        Assert.Equal(first, retry);
        Assert.Equal(before, after);
        Assert.Equal((1, "in-review"), ((await s.ItemRowAsync()).CurrentVersion, (await s.ItemRowAsync()).State));
    }

    [Fact]
    public async Task ReadArtifact_BatchForgotten_ReadsWhatIsStoredNow()
    {
        var s = await new StoreScenario(azurite).WithItemAsync();
        var kept = await s.Store.KeptItemAsync("b1", "q1");
        // The batch is purged and its id used again, with another question under the same item id.
        await s.Store.Blob(CotStore.ItemPath("b1", "q1")).UploadAsync(BinaryData.FromString(Json.Serialize(StoreScenario.Item with { Answer = "A" })), overwrite: true);

        var beforeForget = await s.Store.KeptItemAsync("b1", "q1");
        s.Store.ForgetSettings("b1");
        var afterForget = await s.Store.KeptItemAsync("b1", "q1");

        Assert.Equal(("C", "C", "A"), (kept.Answer, beforeForget.Answer, afterForget.Answer));
    }

    [Fact]
    public async Task GenerateCandidate_WrongAnswerOrUnusableOutput_FailsTheGatesWithReasons()
    {
        var s = await new StoreScenario(azurite).WithItemAsync();
        var model = new Mock<IRationaleModel>();
        model.SetupSequence(m => m.GenerateAsync(It.IsAny<RationaleRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new GeneratedRationale(["one", "two"], "A", "m1", "rationale-v1", TokenUsage.None))
            .ThrowsAsync(new LlmOutputException("the answer is not JSON"));
        var activity = new GenerateCandidate(s.Store, model.Object, TimeProvider.System);

        var wrong = await activity.RunAsync(new GenerateCandidateInput("b1", "q1", 1, 0, 0, null, null, null));
        var garbled = await activity.RunAsync(new GenerateCandidateInput("b1", "q1", 1, 0, 1, null, null, null));

        Assert.Equal(["the final answer is \"A\" but the key is \"C\""], wrong.Problems);
        Assert.False(garbled.Passed);
        Assert.Contains("the answer is not JSON", garbled.Problems.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GenerateCandidate_Regeneration_GetsPreviousVersionAndCountedCritiqueOnly()
    {
        var s = await RegenerationAsync();
        await s.AddReviewAsync(StoreScenario.Review("r1", 1, Verdict.NeedsRevision, 2, comment: "rule out B"));
        await s.AddReviewAsync(StoreScenario.Review("late", 1, Verdict.NeedsRevision, 1, comment: "not counted"), counted: false);

        var (result, seen) = await RegenerateAsync(s);

        Assert.Equal(["old"], seen.Previous!.Steps);
        Assert.Equal("rule out B", seen.Critique!.Single().Comments["reasoning_structure"]);
        var stored = await s.Store.ReadJsonAsync<RationaleVersion>(result.Path);
        Assert.Equal(("llm-regenerated", (int?)1, (int?)1), (stored!.Source, stored.ParentVersion, stored.CritiqueRound));
        Assert.Contains("rule out B", stored.Critique, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GenerateCandidate_RoundWithARecordedDecision_CritiqueIsTheReviewsTheDecisionCounted()
    {
        var s = await RegenerationAsync();
        await s.AddReviewAsync(StoreScenario.Review("r1", 1, Verdict.NeedsRevision, 2, comment: "rule out B"));
        await s.AddReviewAsync(StoreScenario.Review("r2", 1, Verdict.NeedsRevision, 1, comment: "cite the guideline"));
        // Stored as counted, but its event came after the round was decided without it.
        await s.AddReviewAsync(StoreScenario.Review("r3", 1, Verdict.Accept, 5, comment: "fine as is"));
        await s.Store.CreateJsonAsync(CotStore.DecisionPath("b1", "q1", 1), new RoundDecision(
            1, ConsensusOutcome.Reject, new Dictionary<string, double>(), ["two reviewers asked for a revision"], ["r2", "r1"], null, DateTimeOffset.UtcNow));

        var (_, seen) = await RegenerateAsync(s);

        Assert.Equal(["rule out B", "cite the guideline"], seen.Critique!.Select(c => c.Comments["reasoning_structure"]));
    }

    /// <summary>An item whose version 1 is stored, for a regeneration after round 1.</summary>
    private async Task<StoreScenario> RegenerationAsync()
    {
        var s = await new StoreScenario(azurite).WithItemAsync();
        await s.Store.CreateJsonAsync(CotStore.VersionPath("b1", "q1", 1), new RationaleVersion
        {
            BatchId = "b1", ItemId = "q1", Version = 1, Steps = ["old"], FinalAnswer = "C", Source = "llm", CreatedAt = DateTimeOffset.UnixEpoch,
        });
        return s;
    }

    /// <summary>Drafts version 2 with round 1's critique; the candidate made, and what the model was asked.</summary>
    private static async Task<(CandidateResult Result, RationaleRequest Seen)> RegenerateAsync(StoreScenario s)
    {
        RationaleRequest? seen = null;
        var model = new Mock<IRationaleModel>();
        model.Setup(m => m.GenerateAsync(It.IsAny<RationaleRequest>(), It.IsAny<CancellationToken>()))
            .Callback((RationaleRequest r, CancellationToken _) => seen = r)
            .ReturnsAsync(new GeneratedRationale(["new", "C it is"], "C", "m1", "rationale-v1", TokenUsage.None));

        var result = await new GenerateCandidate(s.Store, model.Object, TimeProvider.System)
            .RunAsync(new GenerateCandidateInput("b1", "q1", 2, 0, 0, 1, 1, null));
        return (result, seen!);
    }

    [Fact]
    public async Task CommitVersion_FromRewrite_HumanVersionByItsAuthor_AndARetryOverwritesNothing()
    {
        var s = await new StoreScenario(azurite).WithItemAsync();
        await s.AddReviewAsync(StoreScenario.Review("r1", 1, Verdict.NeedsRevision, 2, rewrite: "1. 首先分析\n2. Therefore C"));
        var activity = new CommitVersion(s.Store, TimeProvider.System);
        var input = new CommitVersionInput("b1", "q1", 2, 1, VersionOrigin.ReviewRewrite, Round: 1, ReviewerId: "r1");

        var result = await activity.RunAsync(input);
        var before = (await s.Store.Blob(CotStore.VersionPath("b1", "q1", 2)).GetPropertiesAsync()).Value.ETag;
        await activity.RunAsync(input);
        var after = (await s.Store.Blob(CotStore.VersionPath("b1", "q1", 2)).GetPropertiesAsync()).Value.ETag;

        Assert.Equal(new CommitVersionResult(2, "r1"), result);
        Assert.Equal(before, after);
        var version = await s.Store.ReadVersionAsync("b1", "q1", 2);
        Assert.Equal(("human", "r1", "C"), (version.Source, version.AuthorId, version.FinalAnswer));
        Assert.Equal(["首先分析", "Therefore C"], version.Steps);
        Assert.Equal((2, "in-review"), ((await s.ItemRowAsync()).CurrentVersion, (await s.ItemRowAsync()).State));
    }

    [Fact]
    public async Task ReachConsensus_RejectThenRetry_SameDecisionAndStrikeCountedOnce()
    {
        var s = await new StoreScenario(azurite).WithItemAsync();
        await s.AddReviewAsync(StoreScenario.Review("r1", 1, Verdict.NeedsRevision, 2, rewrite: "1. a\n2. b"));
        await s.AddReviewAsync(StoreScenario.Review("r22", 1, Verdict.NeedsRevision, 3));
        var activity = new ReachConsensus(s.Store, TimeProvider.System);
        var input = new ReachConsensusInput("b1", "q1", 1, ["r1", "r22"], true, Strikes: 0);

        var first = await activity.RunAsync(input);
        var retry = await activity.RunAsync(input);

        Assert.Equal(new ConsensusResult(ConsensusOutcome.Reject, "r1"), first);
        Assert.Equal(first, retry);
        var row = await s.ItemRowAsync();
        Assert.Equal((1, "revising"), (row.Strikes, row.State));
        var decision = await s.Store.ReadJsonAsync<RoundDecision>(CotStore.DecisionPath("b1", "q1", 1));
        Assert.Equal(["r1", "r22"], decision!.Reviewers);
    }

    [Fact]
    public async Task StaleStepsArrivingLate_NeverMoveAnItemBack()
    {
        // After a crash, a copy of an earlier step can run again after the item moved on, or after it finished.
        var s = await new StoreScenario(azurite).WithItemAsync();
        await s.WithReviewerAsync("r1");
        await s.AddReviewAsync(StoreScenario.Review("r1", 1, Verdict.NeedsRevision, 2, rewrite: "1. a\n2. b"));
        var commit = new CommitVersion(s.Store, TimeProvider.System);
        await s.Store.CreateJsonAsync(CotStore.VersionPath("b1", "q1", 1), new RationaleVersion
        {
            BatchId = "b1", ItemId = "q1", Version = 1, Steps = ["x", "y"], FinalAnswer = "C", Source = "llm", CreatedAt = DateTimeOffset.UnixEpoch,
        });
        await commit.RunAsync(new CommitVersionInput("b1", "q1", 2, 1, VersionOrigin.ReviewRewrite, Round: 1, ReviewerId: "r1"));
        await new AssignReviewers(s.Store, TimeProvider.System).RunAsync(new AssignReviewersInput("b1", "q1", 2, 2, 1, ["x"], Deadline, false));

        await commit.RunAsync(new CommitVersionInput("b1", "q1", 1, null, VersionOrigin.Candidate, CandidatePath: CotStore.VersionPath("b1", "q1", 1)));
        await new AssignReviewers(s.Store, TimeProvider.System).RunAsync(new AssignReviewersInput("b1", "q1", 1, 1, 1, ["r1"], Deadline, false));
        var row = await s.ItemRowAsync();
        Assert.Equal((2, 2, "in-review"), (row.CurrentVersion, row.Round, row.State));

        await new FinalizeItem(s.Store, TimeProvider.System).RunAsync(new FinalizeItemInput("b1", "q1", ItemState.Verified, 2, 2, "accepted by the reviewers"));
        await commit.RunAsync(new CommitVersionInput("b1", "q1", 2, 1, VersionOrigin.ReviewRewrite, Round: 1, ReviewerId: "r1"));
        await new ReachConsensus(s.Store, TimeProvider.System).RunAsync(new ReachConsensusInput("b1", "q1", 1, ["r1"], false, 0));
        row = await s.ItemRowAsync();
        Assert.Equal(("verified", 2, 0), (row.State, row.FinalVersion, row.Strikes));
    }

    [Fact]
    public async Task RequestAdjudication_AndFinalize_RecordTheEnd()
    {
        var s = await new StoreScenario(azurite).WithItemAsync();
        await s.WithReviewerAsync("adj-neuro", "neurology", adjudicator: true);
        await s.WithReviewerAsync("adj-cardio", "cardiology", adjudicator: true);

        var adjudicator = await new RequestAdjudication(s.Store, TimeProvider.System).RunAsync(new RequestAdjudicationInput("b1", "q1", 3, 5, Deadline), StoreScenario.NoClient);
        Assert.Equal("adj-cardio", adjudicator);
        Assert.Equal("adjudication", (await s.ItemRowAsync()).State);

        await new FinalizeItem(s.Store, TimeProvider.System).RunAsync(new FinalizeItemInput("b1", "q1", ItemState.Excluded, null, 5, "excluded by the adjudicator", true));
        var final = await s.Store.ReadJsonAsync<FinalRecord>(CotStore.FinalPath("b1", "q1"));
        Assert.Equal((ItemState.Excluded, true), (final!.State, final.Adjudicated));
        Assert.Equal("excluded", (await s.ItemRowAsync()).State);
    }

    [Fact]
    public async Task RecoverReviews_ReviewStoredButItsEventLost_FoundCountedAndAssignmentFinished_OthersNot()
    {
        var s = await new StoreScenario(azurite).WithItemAsync();
        foreach (var r in new[] { "stored", "silent", "late" })
        {
            await s.WithReviewerAsync(r);
        }

        await new AssignReviewers(s.Store, TimeProvider.System).RunAsync(Assign(3));
        // What a host that died right after storing the review leaves: the row, the assignment still open, no event.
        await s.Store.Reviews.AddEntityAsync(ReviewRow.From(ReviewOf("stored"), counted: true));
        // A review that came after its round closed is kept, never counted.
        await s.Store.Reviews.AddEntityAsync(ReviewRow.From(ReviewOf("late"), counted: false));
        var recover = new RecoverReviews(s.Store);

        for (var attempt = 0; attempt < 2; attempt++)
        {
            var found = await recover.RunAsync(new RecoverReviewsInput("b1", "q1", 1, ["stored", "silent", "late"]));
            Assert.Equal(["stored"], found);
        }

        Assert.Equal(AssignmentStatus.Submitted, (await AssignmentAsync(s, new AssignmentId("b1", "q1", 1, "stored")))!.Status);
        Assert.Equal(AssignmentStatus.Open, (await AssignmentAsync(s, new AssignmentId("b1", "q1", 1, "silent")))!.Status);
        Assert.Equal((0, 1), (await s.Store.Workloads.OpenCountAsync("stored"), await s.Store.Workloads.OpenCountAsync("silent")));
        // Only the reviewers asked about: a stored review of someone not late is not the deadline's business.
        Assert.Empty(await recover.RunAsync(new RecoverReviewsInput("b1", "q1", 1, ["silent"])));
    }

    [Fact]
    public async Task Adjudication_DecisionStoredButItsEventLost_RaisedAgainOnTheNextRequestAndOnAResubmission()
    {
        var s = await new StoreScenario(azurite).WithItemAsync();
        await s.WithReviewerAsync("adj", adjudicator: true);
        await s.Store.Items.UpsertEntityAsync(new ItemRow { PartitionKey = "b1", RowKey = "q1", Department = "cardiology", State = "adjudication" });
        // What a host that died right after storing the decision leaves: the decision, no event.
        await s.Store.CreateJsonAsync(CotStore.AdjudicationPath("b1", "q1"),
            new Adjudication("b1", "q1", "adj", AdjudicationDecision.Exclude, null, "off topic", DateTimeOffset.UtcNow));
        var raised = new List<AdjudicationSubmitted>();
        var client = new Mock<DurableTaskClient>(MockBehavior.Strict, "test");
        client.Setup(c => c.RaiseEventAsync(Ids.ItemInstance("b1", "q1"), Constants.EventNames.AdjudicationSubmitted, It.IsAny<object?>(), It.IsAny<CancellationToken>()))
            .Callback((string _, string _, object? e, CancellationToken _) => raised.Add((AdjudicationSubmitted)e!))
            .Returns(Task.CompletedTask);

        // The adjudication deadline asks again: the stored decision goes to the item, nobody is asked or e-mailed.
        var asked = await new RequestAdjudication(s.Store, TimeProvider.System).RunAsync(new RequestAdjudicationInput("b1", "q1", 3, 3, Deadline), client.Object);
        Assert.Null(asked);
        Assert.Equal(0, await s.Store.Workloads.OpenCountAsync("adj"));

        // The adjudicator tries again with another decision: refused (decided once), and the stored one raised again.
        var (reviews, _) = ReviewRelayTests.ReviewApi(s);
        var again = await reviews.DecideAsync(new AdjudicationRequest("b1", "q1", "adj", AdjudicationDecision.Accept, "1. a\n2. b\n3. c\n4. d", null), client.Object, default);
        Assert.Equal(AdjudicationOutcomeKind.AlreadyDecided, again.Kind);
        Assert.Equal([new AdjudicationSubmitted("adj", AdjudicationDecision.Exclude), new AdjudicationSubmitted("adj", AdjudicationDecision.Exclude)], raised);
    }

    private static Review ReviewOf(string reviewerId) => new()
    {
        BatchId = "b1",
        ItemId = "q1",
        Round = 1,
        Version = 1,
        ReviewerId = reviewerId,
        AssignmentId = new AssignmentId("b1", "q1", 1, reviewerId).ToString(),
        Scores = RubricOptions.Default().Criteria.ToDictionary(c => c.Id, c => c.ScaleMax),
        Comments = new Dictionary<string, string>(),
        Verdict = Verdict.Accept,
        SubmittedAt = DateTimeOffset.UtcNow,
    };
}
