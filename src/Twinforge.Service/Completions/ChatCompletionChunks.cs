using Twinforge.Engine.Generation;
using Twinforge.Twins.Serving;

namespace Twinforge.Service.Completions;

/// <summary>
/// A chat completion's stream (<c>chat.completion.chunk</c>): each choice opens with its role, then content deltas
/// (with the tokens' log-probabilities when <paramref name="logprobs"/>), then an empty delta with the finish reason.
/// </summary>
public sealed class ChatCompletionChunks(CompletionHeader header, bool logprobs) : ICompletionChunks
{
    const string ChunkObject = "chat.completion.chunk";

    public CompletionHeader Header => header;

    public object? Opening(int index) => Chunk(index, new ChatCompletionDelta("assistant", ""), null, null);

    public object Piece(int index, ServedPiece piece) =>
        Chunk(index, new ChatCompletionDelta(null, piece.Text), logprobs ? ChoiceLogprobs.From(piece.Tokens) : null, null);

    public object Finish(int index, string finishReason, TwinforgeCompletionExtension? provenance) =>
        Chunk(index, new ChatCompletionDelta(null, null), null, finishReason) with { Twinforge = provenance };

    public object Usage(IReadOnlyList<GenerationResult> results, TwinforgeCompletionExtension provenance) =>
        new ChatCompletionChunk(header.Id, ChunkObject, header.Created, header.Model, header.Fingerprint, [], UsageObject.From(results, results.Count), provenance);

    ChatCompletionChunk Chunk(int index, ChatCompletionDelta delta, ChoiceLogprobs? tokenLogprobs, string? finishReason) =>
        new(header.Id, ChunkObject, header.Created, header.Model, header.Fingerprint, [new ChatCompletionChunkChoice(index, delta, tokenLogprobs, finishReason)], null);
}
