using Twinforge.Engine.Data;
using Twinforge.Engine.Models;

namespace Twinforge.Engine.Training;

/// <summary>
/// One example's (one conversation's) loss on a held-out set: the sum over its target tokens and their count. Two
/// models scored on the same examples can be compared example by example (a paired comparison), which separates a
/// real change from the examples' own spread of difficulty. An example is what the data reader made of one
/// conversation; under <see cref="Data.OverlongPolicy.Split"/> one over-long document gives several, which are then
/// scored as separate (and not independent) items.
/// </summary>
public sealed record ExampleLoss(int Example, double SummedLoss, long Targets)
{
    /// <summary>Mean loss per target token (nats).</summary>
    public double Loss => SummedLoss / Targets;

    /// <summary>
    /// Every example of <paramref name="data"/> with at least one target (numbered as the dataset's examples, packed
    /// or not), in that order, scored in eval mode
    /// (as <see cref="Evaluation.Run"/> scores them, so their sums add up to its loss); the model's mode is restored.
    /// </summary>
    public static IReadOnlyList<ExampleLoss> Score(CausalLanguageModel model, PackedDataset data, int batchSize,
        int rowsPerChunk = LanguageModelLoss.DefaultRowsPerChunk)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        bool wasTraining = model.training;
        model.eval();
        try
        {
            var sums = new SortedDictionary<int, (double Sum, long Targets)>();
            for (int start = 0; start < data.Count; start += batchSize)
            {
                var sequences = data.Sequences.Skip(start).Take(batchSize).ToList();
                double[] losses;
                using (var batch = TrainingBatch.Create(sequences, data.UsesDocumentMask)) losses = LanguageModelLoss.PositionLosses(model, batch, rowsPerChunk);
                for (int s = 0; s < sequences.Count; s++)
                {
                    var sequence = sequences[s];
                    for (int t = 0; t < sequence.Length; t++)
                    {
                        if (sequence.LabelArray[t] == PackedSequence.IgnoredLabel) continue;
                        int example = sequence.Examples[sequence.DocumentIdArray[t]];
                        var (sum, targets) = sums.GetValueOrDefault(example);
                        sums[example] = (sum + losses[s * sequence.Length + t], targets + 1);
                    }
                }
            }
            return sums.Select(pair => new ExampleLoss(pair.Key, pair.Value.Sum, pair.Value.Targets)).ToList();
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}
