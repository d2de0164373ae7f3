using System.Threading.Channels;

namespace Twinforge.Engine.Serving;

/// <summary>
/// One request's tokens as a <see cref="ContinuousBatcher"/> decodes them: read <see cref="Tokens"/> as they come;
/// <see cref="Completion"/> gives why the stream ended, and faults as the reader does if decoding failed.
/// </summary>
/// <example><code>
/// var stream = batcher.Submit(promptIds, options, lease, cancellationToken);
/// await foreach (var token in stream.Tokens.ReadAllAsync(cancellationToken)) Console.Write(tokenizer.Decode([token.Id]));
/// var reason = await stream.Completion;
/// </code></example>
public sealed class BatchedStream
{
    internal BatchedStream(ChannelReader<GeneratedToken> tokens, Task<StreamFinishReason> completion)
    {
        Tokens = tokens;
        Completion = completion;
    }

    /// <summary>
    /// The generated tokens in order (with their log-probabilities when asked for); the channel completes when the stream ends (stop tokens are not written),
    /// with an <see cref="OperationCanceledException"/> when it was cancelled, or the decoding error.
    /// </summary>
    public ChannelReader<GeneratedToken> Tokens { get; }

    public Task<StreamFinishReason> Completion { get; }

    /// <summary>The batcher's step count when the stream joined the batch (its first step), for diagnostics.</summary>
    public long JoinedAtStep { get; internal set; } = -1;

    /// <summary>The batcher's step count when the stream left the batch (its last step), for diagnostics.</summary>
    public long LeftAtStep { get; internal set; } = -1;

    /// <summary>Blocks until the stream ends and returns every token id (for tools and tests; servers read <see cref="Tokens"/>).</summary>
    public IReadOnlyList<int> ReadAll()
    {
        var tokens = new List<int>();
        while (Tokens.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            while (Tokens.TryRead(out var token)) tokens.Add(token.Id);
        return tokens;
    }
}
