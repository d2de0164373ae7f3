namespace Twinforge.Engine.Serving;

/// <summary>Why a batched stream ended (the chat API's finish_reason, plus cancellation).</summary>
public enum StreamFinishReason
{
    /// <summary>A stop token was chosen (not delivered).</summary>
    Stop,

    /// <summary>MaxNewTokens were delivered, or the model's context is full.</summary>
    Length,

    /// <summary>The request's cancellation token fired; the stream left the batch at the next step.</summary>
    Cancelled,
}
