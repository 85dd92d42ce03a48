namespace CotPipeline.Llm;

/// <summary>The LLM endpoint could not be reached, refused the call, or kept failing after every retry.</summary>
public sealed class LlmCallException(string message, int status, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>HTTP status of the last attempt; 0 when no response came back.</summary>
    public int Status { get; } = status;
}
