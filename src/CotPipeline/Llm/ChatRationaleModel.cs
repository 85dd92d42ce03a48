using System.ClientModel;
using System.Diagnostics;
using Azure.AI.OpenAI;
using Azure.Identity;
using CotPipeline.Domain;
using Microsoft.Extensions.Logging;
using OpenAI;
using OpenAI.Chat;

namespace CotPipeline.Llm;

/// <summary>
/// Drafts rationales over chat completion with JSON output: Azure OpenAI or any OpenAI-compatible endpoint,
/// through one <see cref="ChatClient"/>. Each call is bounded by <see cref="LlmOptions.RequestTimeout"/>,
/// retries included.
/// </summary>
public sealed class ChatRationaleModel : IRationaleModel
{
    // Local OpenAI-compatible servers run without a key, but the SDK requires a non-empty credential.
    private const string NoKey = "no-key";

    private readonly ChatClient _chat;
    private readonly LlmOptions _options;
    private readonly PromptLibrary _prompts;
    private readonly ILogger _logger;
    private readonly LlmBudget _budget;

    private ChatRationaleModel(ChatClient chat, LlmOptions options, PromptLibrary prompts, ILogger logger, LlmBudget budget)
    {
        _chat = chat;
        _budget = budget;
        _options = options;
        _prompts = prompts;
        _logger = logger;
        Model = options.Model!;
    }

    public string Model { get; }

    /// <summary>A model for <see cref="LlmProvider.OpenAICompatible"/> or <see cref="LlmProvider.AzureOpenAI"/> settings.</summary>
    /// <exception cref="ArgumentException">The settings have problems (see <see cref="LlmOptions.Problems"/>) or name the offline provider.</exception>
    public static ChatRationaleModel Create(LlmOptions options, PromptLibrary prompts, ILoggerFactory loggerFactory, LlmBudget? budget = null)
    {
        var problems = options.Problems();
        if (problems.Count > 0 || options.Provider == LlmProvider.Offline)
        {
            throw new ArgumentException(
                problems.Count > 0 ? string.Join(" ", problems) : "Llm:Provider Offline has no chat client.", nameof(options));
        }

        var retry = new RetryAfterPolicy(options.MaxRetries, options.RequestTimeout, loggerFactory.CreateLogger<RetryAfterPolicy>());
        var endpoint = options.EndpointUri!;
        var key = string.IsNullOrWhiteSpace(options.ApiKey) ? null : options.ApiKey;
        var chat = options.Provider == LlmProvider.AzureOpenAI
            ? AzureClient(endpoint, key, options, retry).GetChatClient(options.Model)
            : new ChatClient(options.Model, new ApiKeyCredential(key ?? NoKey), new OpenAIClientOptions
            {
                Endpoint = endpoint,
                RetryPolicy = retry,
                NetworkTimeout = options.RequestTimeout,
            });
        return new ChatRationaleModel(chat, options, prompts, loggerFactory.CreateLogger<ChatRationaleModel>(), budget ?? LlmBudget.Unlimited());
    }

    private static AzureOpenAIClient AzureClient(Uri endpoint, string? key, LlmOptions options, RetryAfterPolicy retry)
    {
        var clientOptions = new AzureOpenAIClientOptions { RetryPolicy = retry, NetworkTimeout = options.RequestTimeout };
        return key is not null
            ? new AzureOpenAIClient(endpoint, new ApiKeyCredential(key), clientOptions)
            : new AzureOpenAIClient(endpoint, new DefaultAzureCredential(new DefaultAzureCredentialOptions
            {
                ManagedIdentityClientId = string.IsNullOrWhiteSpace(options.ManagedIdentityClientId) ? null : options.ManagedIdentityClientId,
            }), clientOptions);
    }

    public async Task<GeneratedRationale> GenerateAsync(RationaleRequest request, CancellationToken cancellationToken)
    {
        var prompt = _prompts.Render(request);
        ChatMessage[] messages = [new SystemChatMessage(prompt.System), new UserChatMessage(prompt.User)];
        var completionOptions = new ChatCompletionOptions
        {
            Temperature = (float)_options.Temperature,
            MaxOutputTokenCount = _options.MaxOutputTokens,
            ResponseFormat = ChatResponseFormat.CreateJsonObjectFormat(),
        };

        // The wait for the quota comes before the call's own deadline: queueing is not the model being slow.
        await _budget.AcquireAsync(LlmBudget.CostOf(prompt.System, prompt.User, _options.MaxOutputTokens), cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.RequestTimeout);
        var started = Stopwatch.GetTimestamp();
        ChatCompletion completion;
        try
        {
            completion = (await _chat.CompleteChatAsync(messages, completionOptions, deadline.Token)).Value;
        }
        catch (Exception ex) when (ex is OperationCanceledException || (ex is ClientResultException or AggregateException && deadline.IsCancellationRequested))
        {
            cancellationToken.ThrowIfCancellationRequested();
            LlmLog.TimedOut(_logger, request.Item.Id, (long)_options.RequestTimeout.TotalMilliseconds);
            throw new TimeoutException(
                $"The LLM ({Model} at {_options.EndpointUri}) did not answer within Llm:RequestTimeout {_options.RequestTimeout}, retries included.", ex);
        }
        catch (ClientResultException ex)
        {
            LlmLog.CallFailed(_logger, ex, request.Item.Id, ex.Status);
            throw new LlmCallException(Failure(ex.Status, ex.Message), ex.Status, ex);
        }
        catch (AggregateException ex)
        {
            var status = ex.InnerExceptions.OfType<ClientResultException>().LastOrDefault()?.Status ?? 0;
            LlmLog.CallFailed(_logger, ex, request.Item.Id, status);
            throw new LlmCallException(Failure(status, ex.InnerExceptions[^1].Message), status, ex);
        }

        var model = string.IsNullOrWhiteSpace(completion.Model) ? Model : completion.Model;
        var text = completion.Content.FirstOrDefault(p => p.Kind == ChatMessageContentPartKind.Text)?.Text;
        IReadOnlyList<string> steps;
        string finalAnswer;
        try
        {
            if (completion.FinishReason == ChatFinishReason.Length)
            {
                throw new LlmOutputException(
                    $"The model's answer was cut off at Llm:MaxOutputTokens ({_options.MaxOutputTokens}) tokens: {RationaleJson.Excerpt(text)}");
            }

            (steps, finalAnswer) = RationaleJson.Parse(text, request.Item);
        }
        catch (LlmOutputException ex)
        {
            LlmLog.OutputRejected(_logger, request.Item.Id, model, prompt.Version, ex.Message);
            throw;
        }

        var tokens = completion.Usage is { } usage ? new TokenUsage(usage.InputTokenCount, usage.OutputTokenCount) : TokenUsage.None;
        LlmLog.Drafted(_logger, request.Item.Id, model, prompt.Version, steps.Count, tokens.Prompt, tokens.Completion,
            (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return new GeneratedRationale(steps, finalAnswer, model, prompt.Version, tokens);
    }

    private string Failure(int status, string detail)
    {
        var what = status == 0 ? "could not be reached" : $"answered HTTP {status}";
        var retried = status is 0 or 408 or 429 or >= 500
            ? $"after {_options.MaxRetries} retries (Llm:MaxRetries)"
            : "(not retried: the request itself was refused)";
        return $"The LLM ({Model} at {_options.EndpointUri}) {what} {retried}: {detail}";
    }
}
