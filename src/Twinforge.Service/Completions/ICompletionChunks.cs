using Twinforge.Engine.Generation;
using Twinforge.Twins.Serving;

namespace Twinforge.Service.Completions;

/// <summary>
/// The shape of one kind of completion's stream (chat's or text's): the chunks <see cref="CompletionStream"/> writes,
/// in order — an opening one per choice if the kind has it, its pieces, its end — and the usage chunk.
/// </summary>
public interface ICompletionChunks
{
    /// <summary>What every chunk repeats: the completion's id, time, model and fingerprint.</summary>
    CompletionHeader Header { get; }

    /// <summary>The chunk that opens choice <paramref name="index"/> (chat: its role), or null where the kind has none.</summary>
    object? Opening(int index);

    /// <summary>A piece of choice <paramref name="index"/>'s text, with its tokens' log-probabilities when asked for.</summary>
    object Piece(int index, ServedPiece piece);

    /// <summary>Choice <paramref name="index"/>'s end; <paramref name="provenance"/> when this is the stream's last chunk.</summary>
    object Finish(int index, string finishReason, TwinforgeCompletionExtension? provenance);

    /// <summary>The last chunk when the usage was asked for: no choices, the usage of <paramref name="results"/> (in choice order), the records.</summary>
    object Usage(IReadOnlyList<GenerationResult> results, TwinforgeCompletionExtension provenance);
}
