using CotPipeline.Constants;
using CotPipeline.Domain;
using CotPipeline.Models;
using Microsoft.DurableTask;
using Moq;

namespace CotPipeline.Tests.Orchestrations;

/// <summary>
/// A strict <see cref="TaskOrchestrationContext"/> mock with the activity results, events and timers one execution
/// of the orchestrator meets. Any call not scripted fails the test, so each test pins the exact steps.
/// </summary>
internal sealed class OrchestrationScript
{
    public static readonly DateTime Now = new(2026, 1, 1, 8, 0, 0, DateTimeKind.Utc);

    public static readonly LoopSettings Loop = new(
        ReviewersPerItem: 2, MaxExtraReviewers: 1, StrikeCap: 3, Candidates: 1, MaxAutoRegenerations: 1,
        ReviewDeadline: TimeSpan.FromDays(3), AdjudicationDeadline: TimeSpan.FromDays(7), ReviewerRetryInterval: TimeSpan.FromMinutes(10));

    private readonly Queue<ReviewSubmitted> _reviews = new();
    private readonly Queue<Task> _timers = new();
    private readonly Queue<DeadlineReached> _deadlines = new();

    public OrchestrationScript()
    {
        Context.SetupGet(c => c.CurrentUtcDateTime).Returns(Now);
        Context.Setup(c => c.WaitForExternalEvent<ReviewSubmitted>(EventNames.ReviewSubmitted, It.IsAny<CancellationToken>()))
            .Returns(() => _reviews.Count > 0 ? Task.FromResult(_reviews.Dequeue()) : new TaskCompletionSource<ReviewSubmitted>().Task);
        Context.Setup(c => c.CreateTimer(It.IsAny<DateTime>(), It.IsAny<CancellationToken>()))
            .Returns(() => _timers.Count > 0 ? _timers.Dequeue() : new TaskCompletionSource().Task);
        Context.Setup(c => c.WaitForExternalEvent<DeadlineReached>(EventNames.DeadlineReached, It.IsAny<CancellationToken>()))
            .Returns(() => _deadlines.Count > 0 ? Task.FromResult(_deadlines.Dequeue()) : new TaskCompletionSource<DeadlineReached>().Task);
        // Every round e-mails the reviewers it assigns, and arms a wait's deadline when assigning did not.
        Activity<SendReviewRequestsInput, int>(TaskNames.SendReviewRequests, 1);
        Action<ArmDeadlineInput>(TaskNames.ArmDeadline);
    }

    public Mock<TaskOrchestrationContext> Context { get; } = new(MockBehavior.Strict);

    public List<(string Name, object? Input)> Calls { get; } = [];

    public object? ContinuedWith { get; private set; }

    public static ReviewItemInput Input(LoopState? state = null) => new("b1", "q1", Loop, state ?? LoopState.Start);

    /// <summary>Answers every call of activity <paramref name="name"/> with the next of <paramref name="results"/> (the last repeats).</summary>
    public OrchestrationScript Activity<TIn, TOut>(string name, params TOut[] results)
    {
        var queue = new Queue<TOut>(results);
        Context.Setup(c => c.CallActivityAsync<TOut>(It.Is<TaskName>(n => n.Name == name), It.IsAny<TIn>(), It.IsAny<TaskOptions>()))
            .Returns((TaskName n, object? input, TaskOptions? _) =>
            {
                lock (Calls)
                {
                    Calls.Add((n.Name, input));
                }

                return Task.FromResult(queue.Count > 1 ? queue.Dequeue() : queue.Peek());
            });
        return this;
    }

    /// <summary>Activities without a result (the orchestrator awaits a plain Task).</summary>
    public OrchestrationScript Action<TIn>(string name)
    {
        Context.Setup(c => c.CallActivityAsync(It.Is<TaskName>(n => n.Name == name), It.IsAny<TIn>(), It.IsAny<TaskOptions>()))
            .Returns((TaskName n, object? input, TaskOptions? _) =>
            {
                Calls.Add((n.Name, input));
                return Task.CompletedTask;
            });
        return this;
    }

    public OrchestrationScript Reviews(params ReviewSubmitted[] events)
    {
        foreach (var e in events)
        {
            _reviews.Enqueue(e);
        }

        return this;
    }

    /// <summary>The next review wait's deadline passes at once (the deadline watch raises it for <paramref name="round"/>); later ones never do.</summary>
    public OrchestrationScript DeadlinePasses(int round = 1)
    {
        _deadlines.Enqueue(new DeadlineReached(round, DateTime.MaxValue));
        return this;
    }

    /// <summary>The next timer the orchestrator creates fires at once (an adjudication deadline passing); later ones never fire.</summary>
    public OrchestrationScript TimerFires()
    {
        _timers.Enqueue(Task.CompletedTask);
        return this;
    }

    public OrchestrationScript ExpectContinueAsNew()
    {
        Context.Setup(c => c.ContinueAsNew(It.IsAny<object>(), true)).Callback((object input, bool _) => ContinuedWith = input);
        return this;
    }

    public OrchestrationScript Adjudication(AdjudicationSubmitted decision)
    {
        Context.Setup(c => c.WaitForExternalEvent<AdjudicationSubmitted>(EventNames.AdjudicationSubmitted, It.IsAny<CancellationToken>()))
            .ReturnsAsync(decision);
        return this;
    }

    public T Input<T>(string name, int occurrence = 0) => (T)Calls.Where(c => c.Name == name).ElementAt(occurrence).Input!;

    public IEnumerable<string> Names => Calls.Select(c => c.Name);

    public static CandidateResult Passing(int candidate = 0) => new(candidate, true, [], $"cand-{candidate}");

    public static CandidateResult Failing(string problem) => new(0, false, [problem], "cand-x");
}
