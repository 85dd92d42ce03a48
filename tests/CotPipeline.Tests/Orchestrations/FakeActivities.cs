using System.Collections.Concurrent;
using CotPipeline.Constants;
using CotPipeline.Domain;
using CotPipeline.Models;
using CotPipeline.Orchestrations;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace CotPipeline.Tests.Orchestrations;

/// <summary>
/// Activities that answer from a script instead of storage, registered under the real task names beside the real
/// orchestrators, so the in-memory engine runs the true loop (replay, events, timers, continue-as-new).
/// </summary>
internal sealed class FakeActivities
{
    private readonly ConcurrentQueue<ConsensusResult> _decisions = new();
    private int _nextReviewer;

    /// <summary>Reviewers whose review is "stored" although no event of theirs comes: what <see cref="TaskNames.RecoverReviews"/> finds.</summary>
    public ConcurrentDictionary<string, bool> StoredWithoutEvent { get; } = new();

    public ConcurrentQueue<(string Name, object Input)> Calls { get; } = new();

    /// <summary>Armed review deadlines by (item, round): what the batch's deadline watch would raise (the item id is the instance id here).</summary>
    public ConcurrentDictionary<(string ItemId, int Round), DateTime> Armed { get; } = new();

    /// <summary>The deadline watch, in short: until stopped, raises every armed deadline that is due to its item, once.</summary>
    public async Task WatchDeadlinesAsync(DurableTaskClient client, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            foreach (var (key, due) in Armed.Where(a => a.Value <= DateTime.UtcNow).ToList())
            {
                if (Armed.TryRemove(new KeyValuePair<(string, int), DateTime>(key, due)))
                {
                    await client.RaiseEventAsync(key.ItemId, EventNames.DeadlineReached, new DeadlineReached(key.Round, due), CancellationToken.None);
                }
            }

            await Task.Delay(100, CancellationToken.None);
        }
    }

    public FakeActivities Decide(params ConsensusResult[] decisions)
    {
        foreach (var d in decisions)
        {
            _decisions.Enqueue(d);
        }

        return this;
    }

    public IEnumerable<T> Inputs<T>(string name) => Calls.Where(c => c.Name == name).Select(c => (T)c.Input);

    public void Register(DurableTaskRegistry registry)
    {
        registry.AddOrchestratorFunc<ReviewItemInput, ItemOutcome?>(TaskNames.ReviewItem, ReviewItemOrchestrator.RunAsync);
        registry.AddActivityFunc<GenerateCandidateInput, CandidateResult>(TaskNames.GenerateCandidate, (_, input) =>
            Record(TaskNames.GenerateCandidate, input, new CandidateResult(input.Candidate, true, [], $"v{input.Version}-c{input.Candidate}")));
        registry.AddActivityFunc<CommitVersionInput, CommitVersionResult>(TaskNames.CommitVersion, (_, input) =>
            Record(TaskNames.CommitVersion, input, new CommitVersionResult(input.Version, input.Origin == VersionOrigin.Candidate ? null : input.ReviewerId)));
        registry.AddActivityFunc<AssignReviewersInput, List<string>>(TaskNames.AssignReviewers, (_, input) =>
        {
            var picked = new List<string>();
            while (picked.Count < input.Count)
            {
                var id = $"r{Interlocked.Increment(ref _nextReviewer)}";
                if (!input.Exclude.Contains(id))
                {
                    picked.Add(id);
                }
            }

            if (input.ArmDeadline && picked.Count > 0)
            {
                Armed[(input.ItemId, input.Round)] = input.Deadline;
            }

            return Record(TaskNames.AssignReviewers, input, picked);
        });
        registry.AddActivityFunc<SendReviewRequestsInput, int>(TaskNames.SendReviewRequests, (_, input) =>
            Record(TaskNames.SendReviewRequests, input, input.ReviewerIds.Count));
        registry.AddActivityFunc<CloseAssignmentsInput, bool>(TaskNames.CloseAssignments, (_, input) => Record(TaskNames.CloseAssignments, input, true));
        registry.AddActivityFunc<RecoverReviewsInput, List<string>>(TaskNames.RecoverReviews, (_, input) =>
            Record(TaskNames.RecoverReviews, input, input.ReviewerIds.Where(StoredWithoutEvent.ContainsKey).ToList()));
        registry.AddActivityFunc<ReachConsensusInput, ConsensusResult>(TaskNames.ReachConsensus, (_, input) =>
            Record(TaskNames.ReachConsensus, input, _decisions.TryDequeue(out var d) ? d : new ConsensusResult(ConsensusOutcome.Accept, null)));
        registry.AddActivityFunc<RequestAdjudicationInput, string?>(TaskNames.RequestAdjudication, (_, input) => Record<string?>(TaskNames.RequestAdjudication, input, "adj"));
        registry.AddActivityFunc<FinalizeItemInput, bool>(TaskNames.FinalizeItem, (_, input) => Record(TaskNames.FinalizeItem, input, true));
        registry.AddActivityFunc<ArmDeadlineInput, bool>(TaskNames.ArmDeadline, (_, input) =>
        {
            Armed[(input.ItemId, input.Round)] = input.Due;
            return Record(TaskNames.ArmDeadline, input, true);
        });
    }

    private T Record<T>(string name, object input, T result)
    {
        Calls.Enqueue((name, input));
        return result;
    }
}
