using TorchSharp;
using Twinforge.Engine.Watermarking;
using static TorchSharp.torch;

namespace Twinforge.Engine.Generation;

/// <summary>
/// Picks the next token from one position's logits: repetition penalty, the watermark's bias, then greedy choice or
/// temperature, top-k and top-p filtering and a draw from the seeded generator.
/// </summary>
public sealed class TokenSampler : IDisposable
{
    readonly GenerationOptions options;
    readonly Generator generator;
    readonly GreenList? greenList;

    public TokenSampler(GenerationOptions options)
    {
        options.Validate();
        this.options = options;
        generator = new Generator((ulong)(options.Seed ?? Random.Shared.NextInt64()));
        if (options.Watermark is not null) greenList = new GreenList(options.Watermark);
    }

    /// <summary>
    /// Chooses a token from (vocab) logits given the ids seen so far (prompt and output); the last of them seeds the
    /// watermark's green list.
    /// </summary>
    public int Next(Tensor logits, IReadOnlyList<int> seenIds)
    {
        using var scope = NewDisposeScope();
        bool penalize = options.RepetitionPenalty != 1.0 && seenIds.Count > 0;
        bool watermark = greenList is not null && seenIds.Count > 0;
        if (options.IsGreedy && !penalize && !watermark) return GreedyChoice.PerRow(logits.flatten())[0];
        var scores = logits.to(float32).flatten();
        if (penalize) scores = Penalize(scores, seenIds);
        if (watermark) scores = RaiseGreen(scores, seenIds[^1]);
        if (options.IsGreedy) return GreedyChoice.PerRow(scores)[0];

        scores = scores.DividedBy(options.Temperature);
        if (options.TopK > 0 && options.TopK < scores.shape[0])
        {
            var (topValues, _) = scores.topk(options.TopK);
            scores = scores.FilledWhere(scores.lt(topValues[-1]), double.NegativeInfinity);
        }
        if (options.TopP < 1.0)
        {
            var (sorted, order) = scores.sort(descending: true);
            var probabilities = sorted.softmax(0);
            // Drop a token when the more likely ones already reach p; the most likely token always stays.
            var drop = probabilities.cumsum(0).sub(probabilities).GreaterThan(options.TopP);
            scores = scores.index_put_(ScalarOperations.FullLike(sorted, double.NegativeInfinity).masked_select(drop), order.masked_select(drop));
        }
        var distribution = scores.softmax(0);
        if (distribution.isnan().any().item<bool>()) throw new NonFiniteScoresException();
        return (int)distribution.multinomial(1, generator: generator).item<long>();
    }

    /// <summary>The paper's soft watermark: δ added to the logits of the tokens green after <paramref name="previous"/>.</summary>
    Tensor RaiseGreen(Tensor scores, int previous)
    {
        var members = greenList!.Members(previous, (int)scores.shape[0]);
        if (members.Length == 0) return scores;
        var green = tensor(members);
        var raised = scores.index_select(0, green).PlusInPlace(greenList.Settings.Delta);
        return scores.clone().index_put_(raised, green);
    }

    Tensor Penalize(Tensor scores, IReadOnlyCollection<int> seenIds)
    {
        var ids = tensor(seenIds.Distinct().Select(id => (long)id).ToArray());
        var seen = scores.index_select(0, ids);
        var penalized = where(seen.LessThan(0), seen.Times(options.RepetitionPenalty), seen.DividedBy(options.RepetitionPenalty));
        return scores.clone().index_put_(penalized, ids);
    }

    public void Dispose() => generator.Dispose();
}
