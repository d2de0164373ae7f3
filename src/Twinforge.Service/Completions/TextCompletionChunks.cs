using Twinforge.Engine.Generation;
using Twinforge.Twins.Serving;

namespace Twinforge.Service.Completions;

/// <summary>
/// A text completion's stream: chunks of the whole completion's shape (<c>text_completion</c>), each with one choice —
/// a piece of its text (with the tokens' legacy log-probabilities when <paramref name="logprobs"/>, their offsets
/// running on from the choice's earlier pieces), then empty text with its finish reason. Choice i answers
/// <paramref name="prompts"/>[i / <paramref name="choicesPerPrompt"/>].
/// </summary>
public sealed class TextCompletionChunks(CompletionHeader header, IReadOnlyList<string> prompts, int choicesPerPrompt, bool logprobs) : ICompletionChunks
{
    // Where each choice's next token starts, counted from the start of its prompt.
    readonly int[] offsets = Enumerable.Range(0, prompts.Count * choicesPerPrompt).Select(choice => prompts[choice / choicesPerPrompt].Length).ToArray();

    public CompletionHeader Header => header;

    public object? Opening(int index) => null;

    public object Piece(int index, ServedPiece piece) =>
        Chunk([new TextCompletionChoice(piece.Text, index, logprobs ? TextLogprobs.From(piece.Tokens, ref offsets[index]) : null, null)], null, null);

    public object Finish(int index, string finishReason, TwinforgeCompletionExtension? provenance) =>
        Chunk([new TextCompletionChoice("", index, null, finishReason)], null, provenance);

    public object Usage(IReadOnlyList<GenerationResult> results, TwinforgeCompletionExtension provenance) =>
        Chunk([], UsageObject.From(results, choicesPerPrompt), provenance);

    TextCompletionObject Chunk(IReadOnlyList<TextCompletionChoice> choices, UsageObject? usage, TwinforgeCompletionExtension? provenance) =>
        new(header.Id, TextCompletionObject.ObjectName, header.Created, header.Model, header.Fingerprint, choices, usage, provenance);
}
