using Twinforge.Engine.Data;
using Twinforge.Engine.Models;

namespace Twinforge.Engine.Training;

/// <summary>A model's loss on a held-out set: per target token, as perplexity, and as next-token accuracy.</summary>
public sealed record Evaluation(double Loss, double Perplexity, double TokenAccuracy, long Targets)
{
    /// <summary>
    /// Scores every sequence of <paramref name="data"/> in eval mode (no dropout, no gradients), in order; restores
    /// the model's training mode afterwards. Deterministic and free of random draws, so evaluating does not change a
    /// run's trajectory. The output head runs <paramref name="rowsPerChunk"/> positions at a time, as training's loss
    /// does, so a batch's (rows × vocabulary) logits never exist at once.
    /// </summary>
    public static Evaluation Run(CausalLanguageModel model, PackedDataset data, int batchSize,
        int rowsPerChunk = LanguageModelLoss.DefaultRowsPerChunk)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Count == 0) throw new ArgumentException("there is nothing to evaluate on: the validation set is empty", nameof(data));
        bool wasTraining = model.training;
        model.eval();
        try
        {
            double summedLoss = 0;
            long correct = 0, targets = 0;
            foreach (var batch in BatchIterator.InOrder(data, batchSize))
            {
                using (batch)
                {
                    var score = LanguageModelLoss.Score(model, batch, rowsPerChunk);
                    summedLoss += score.SummedLoss;
                    correct += score.Correct;
                    targets += score.Targets;
                }
            }
            if (targets == 0) throw new ArgumentException("the validation set has no target tokens", nameof(data));
            double loss = summedLoss / targets;
            return new Evaluation(loss, Math.Exp(loss), correct / (double)targets, targets);
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}
