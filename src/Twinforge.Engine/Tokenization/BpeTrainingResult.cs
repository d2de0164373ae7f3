namespace Twinforge.Engine.Tokenization;

/// <summary>What <see cref="BpeTrainer.Train"/> learned, and from how much text.</summary>
/// <param name="Tokenizer">The tokenizer: byte symbols, merged tokens, then the special tokens.</param>
/// <param name="MergeCount">Merges learned, in the order they are applied.</param>
/// <param name="DistinctPieces">Distinct pre-tokenized pieces the merges were counted over.</param>
/// <param name="TextBytes">UTF-8 bytes of training text (special tokens included).</param>
/// <param name="StoppedEarly">
/// True when no pair was frequent enough (or none was left) before the vocabulary reached the size asked for.
/// </param>
public sealed record BpeTrainingResult(HuggingFaceTokenizer Tokenizer, int MergeCount, int DistinctPieces, long TextBytes, bool StoppedEarly);
