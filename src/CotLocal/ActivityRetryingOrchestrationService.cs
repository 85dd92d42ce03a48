using System.Collections;
using System.Reflection;
using DurableTask.AzureStorage;
using DurableTask.Core;

namespace CotLocal;

/// <summary>
/// The engine's Azure Storage backend as the sidecar's dispatchers use it, with one difference: an activity whose result could not
/// be recorded (its storage away, so completing and then abandoning the work item both failed) is done again once its queue
/// message shows again. The backend keeps every work item it handed out in memory until completing or abandoning it succeeds,
/// and refuses its message while it is there ("being processed multiple times concurrently"): with the storage back, that item
/// waited for a host restart, and its review item with it. Here it is forgotten instead; activities run at least once anyway.
/// </summary>
public sealed partial class ActivityRetryingOrchestrationService(AzureStorageOrchestrationService inner, ILogger<ActivityRetryingOrchestrationService> logger)
    : IOrchestrationService
{
    // Pinned package version (Directory.Packages.props); StorageOutageTests fails if a new one renames it.
    private static readonly FieldInfo? Sessions =
        typeof(AzureStorageOrchestrationService).GetField("activeActivitySessions", BindingFlags.Instance | BindingFlags.NonPublic);

    public async Task CompleteTaskActivityWorkItemAsync(TaskActivityWorkItem workItem, TaskMessage responseMessage)
    {
        try
        {
            await inner.CompleteTaskActivityWorkItemAsync(workItem, responseMessage);
        }
        catch (Exception e)
        {
            Forget(workItem, e);
            throw;
        }
    }

    public async Task AbandonTaskActivityWorkItemAsync(TaskActivityWorkItem workItem)
    {
        try
        {
            await inner.AbandonTaskActivityWorkItemAsync(workItem);
        }
        catch (Exception e)
        {
            Forget(workItem, e);
            throw;
        }
    }

    private void Forget(TaskActivityWorkItem workItem, Exception error)
    {
        if (Sessions?.GetValue(inner) is IDictionary sessions)
        {
            sessions.Remove(workItem.Id);
            ActivityForgotten(logger, workItem.Id, error.GetType().Name);
        }
        else
        {
            ActivityNotForgotten(logger, workItem.Id);
        }
    }

    [LoggerMessage(1, LogLevel.Warning,
        "The result of activity work item {WorkItemId} could not be recorded ({Error}); the activity runs again when its message shows again")]
    private static partial void ActivityForgotten(ILogger logger, string workItemId, string error);

    [LoggerMessage(2, LogLevel.Error,
        "The result of activity work item {WorkItemId} could not be recorded, and this version of DurableTask.AzureStorage keeps it as in progress: " +
        "its item waits until CotLocal restarts")]
    private static partial void ActivityNotForgotten(ILogger logger, string workItemId);

    public int TaskOrchestrationDispatcherCount => inner.TaskOrchestrationDispatcherCount;
    public int MaxConcurrentTaskOrchestrationWorkItems => inner.MaxConcurrentTaskOrchestrationWorkItems;
    public BehaviorOnContinueAsNew EventBehaviourForContinueAsNew => inner.EventBehaviourForContinueAsNew;
    public int TaskActivityDispatcherCount => inner.TaskActivityDispatcherCount;
    public int MaxConcurrentTaskActivityWorkItems => inner.MaxConcurrentTaskActivityWorkItems;

    public Task StartAsync() => inner.StartAsync();
    public Task StopAsync() => inner.StopAsync();
    public Task StopAsync(bool isForced) => inner.StopAsync(isForced);
    public Task CreateAsync() => inner.CreateAsync();
    public Task CreateAsync(bool recreateInstanceStore) => inner.CreateAsync(recreateInstanceStore);
    public Task CreateIfNotExistsAsync() => inner.CreateIfNotExistsAsync();
    public Task DeleteAsync() => inner.DeleteAsync();
    public Task DeleteAsync(bool deleteInstanceStore) => inner.DeleteAsync(deleteInstanceStore);
    public bool IsMaxMessageCountExceeded(int currentMessageCount, OrchestrationRuntimeState runtimeState) =>
        inner.IsMaxMessageCountExceeded(currentMessageCount, runtimeState);
    public int GetDelayInSecondsAfterOnProcessException(Exception exception) => inner.GetDelayInSecondsAfterOnProcessException(exception);
    public int GetDelayInSecondsAfterOnFetchException(Exception exception) => inner.GetDelayInSecondsAfterOnFetchException(exception);
    public Task<TaskOrchestrationWorkItem> LockNextTaskOrchestrationWorkItemAsync(TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
        inner.LockNextTaskOrchestrationWorkItemAsync(receiveTimeout, cancellationToken);
    public Task RenewTaskOrchestrationWorkItemLockAsync(TaskOrchestrationWorkItem workItem) => inner.RenewTaskOrchestrationWorkItemLockAsync(workItem);
    public Task CompleteTaskOrchestrationWorkItemAsync(
        TaskOrchestrationWorkItem workItem, OrchestrationRuntimeState newOrchestrationRuntimeState, IList<TaskMessage> outboundMessages,
        IList<TaskMessage> orchestratorMessages, IList<TaskMessage> timerMessages, TaskMessage continuedAsNewMessage, OrchestrationState orchestrationState) =>
        inner.CompleteTaskOrchestrationWorkItemAsync(workItem, newOrchestrationRuntimeState, outboundMessages, orchestratorMessages, timerMessages,
            continuedAsNewMessage, orchestrationState);
    public Task AbandonTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) => inner.AbandonTaskOrchestrationWorkItemAsync(workItem);
    public Task ReleaseTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) => inner.ReleaseTaskOrchestrationWorkItemAsync(workItem);
    public Task<TaskActivityWorkItem> LockNextTaskActivityWorkItem(TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
        inner.LockNextTaskActivityWorkItem(receiveTimeout, cancellationToken);
    public Task<TaskActivityWorkItem> RenewTaskActivityWorkItemLockAsync(TaskActivityWorkItem workItem) => inner.RenewTaskActivityWorkItemLockAsync(workItem);
}
