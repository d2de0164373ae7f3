using Twinforge.Engine.Models;

namespace Twinforge.Bench.Sizes;

/// <summary>
/// A published model's architecture, to be filled with random weights: its config, its parameter count as published
/// (a check on the config), and the special tokens its tokenizer places at <see cref="FirstSpecialId"/> onwards.
/// </summary>
/// <param name="Name">The name the <c>sizes</c> command takes, e.g. <c>qwen2.5-0.5b</c>.</param>
/// <param name="PublishedAs">The Hugging Face repository whose config.json the shape copies.</param>
public sealed record ModelShape(string Name, string PublishedAs, TransformerConfig Config, long PublishedParameterCount,
    IReadOnlyList<string> SpecialTokens, int FirstSpecialId)
{
    /// <summary>
    /// A copy small enough for a fast test that keeps what makes the shape itself: the ratio of query to key/value
    /// heads, tied embeddings, q/k/v biases, rotary theta and scaling, norm epsilon, and the special tokens' place
    /// (at the start, or after the regular tokens with unused ids above them). Heads of 8 dimensions, 2 layers, a
    /// 512-token vocabulary.
    /// </summary>
    public ModelShape ScaledDown()
    {
        const int headDimension = 8, vocabulary = 512;
        int keyValueHeads = Config.KeyValueHeadCount, heads = Config.HeadCount;
        // Special tokens after the regular ones keep a gap of unused ids above them, as the published vocabularies do.
        int firstSpecial = FirstSpecialId == 0 ? 0 : vocabulary - SpecialTokens.Count - 16;
        var config = Config with
        {
            VocabularySize = vocabulary, HiddenSize = heads * headDimension, LayerCount = 2,
            IntermediateSize = 3 * heads * headDimension, ExplicitHeadDimension = Config.ExplicitHeadDimension is null ? null : headDimension,
            KeyValueHeadCount = keyValueHeads, BosTokenId = Config.BosTokenId is null ? null : Shift(Config.BosTokenId.Value),
            EosTokenIds = Config.EosTokenIds.Select(Shift).ToList(),
        };
        return this with { Name = Name + "-scaled", Config = config, PublishedParameterCount = 0, FirstSpecialId = firstSpecial };

        // A special token keeps its place among the special tokens.
        int Shift(int id) => id - FirstSpecialId + firstSpecial;
    }
}
