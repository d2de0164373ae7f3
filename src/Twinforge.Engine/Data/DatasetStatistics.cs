namespace Twinforge.Engine.Data;

/// <summary>Counts over a set of examples.</summary>
/// <param name="Documents">Conversations, prompt/completion pairs or plain-text documents.</param>
/// <param name="Examples">Examples after the over-long policy (more than documents when long ones are split).</param>
/// <param name="TotalTokens">Tokens over all examples.</param>
/// <param name="TrainableTokens">Tokens the loss predicts (<see cref="TokenizedExample.TrainableTargets"/>).</param>
/// <param name="MinTokens">Shortest example, in tokens (0 when there are none).</param>
/// <param name="MeanTokens">Mean example length, in tokens.</param>
/// <param name="MaxTokens">Longest example, in tokens.</param>
public sealed record DatasetStatistics(int Documents, int Examples, long TotalTokens, long TrainableTokens, int MinTokens, double MeanTokens, int MaxTokens)
{
    public static DatasetStatistics Empty { get; } = new(0, 0, 0, 0, 0, 0, 0);

    public static DatasetStatistics Of(IReadOnlyCollection<TokenizedExample> examples)
    {
        ArgumentNullException.ThrowIfNull(examples);
        if (examples.Count == 0) return Empty;
        long total = examples.Sum(example => (long)example.Length);
        return new DatasetStatistics(
            Documents: examples.Select(example => example.Document).Distinct().Count(),
            Examples: examples.Count,
            TotalTokens: total,
            TrainableTokens: examples.Sum(example => (long)example.TrainableTargets),
            MinTokens: examples.Min(example => example.Length),
            MeanTokens: (double)total / examples.Count,
            MaxTokens: examples.Max(example => example.Length));
    }
}
