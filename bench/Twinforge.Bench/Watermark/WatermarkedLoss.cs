using Twinforge.Engine.Models;
using Twinforge.Engine.Watermarking;
using static TorchSharp.torch;

namespace Twinforge.Bench.Watermark;

/// <summary>
/// Next-token loss of one sequence under a model, at the positions whose next token is a target: under the model's
/// own distribution, or under the watermarked one that generation samples from (softmax of the logits with δ added to
/// the tokens green after each position's token).
/// </summary>
static class WatermarkedLoss
{
    /// <summary>The summed loss in nats and the number of targets; <paramref name="isTarget"/>[i] marks ids[i] as one.</summary>
    public static (double SummedLoss, int Targets) Of(CausalLanguageModel model, IReadOnlyList<int> ids, IReadOnlyList<bool> isTarget, WatermarkSettings? watermark)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int length = ids.Count;
        var input = tensor(ids.Select(id => (long)id).ToArray()).unsqueeze(0);
        var logits = model.Forward(input)[0].to(ScalarType.Float32);                  // (T, vocab): position t predicts ids[t + 1]
        int vocabulary = (int)logits.shape[1];
        if (watermark is not null)
        {
            var greenList = new GreenList(watermark);
            var bias = new float[length * vocabulary];
            for (int position = 0; position < length; position++)
                foreach (long green in greenList.Members(ids[position], vocabulary))
                    bias[position * vocabulary + green] = (float)watermark.Delta;
            logits = logits.add(tensor(bias, [length, vocabulary]));
        }
        var positions = Enumerable.Range(0, length - 1).Where(position => isTarget[position + 1]).ToArray();
        if (positions.Length == 0) return (0, 0);
        var rows = tensor(positions.Select(position => (long)position).ToArray());
        var targets = tensor(positions.Select(position => (long)ids[position + 1]).ToArray());
        var logProbabilities = logits.index_select(0, rows).log_softmax(1).gather(1, targets.unsqueeze(1));
        return (-logProbabilities.sum().to(ScalarType.Float64).item<double>(), positions.Length);
    }
}
