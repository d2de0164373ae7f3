using TorchSharp;
using Twinforge.Engine;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace Twinforge.Voice.Model;

/// <summary>
/// A linear layer or convolution of the acoustic model that a voice can change by a <see cref="LowRankUpdate"/>
/// without touching its weight: the foundation's weights stay shared by every voice, each voice's update is its own.
/// Its parameters are named <c>weight</c> and <c>bias</c>, as torch's own layers name them, so checkpoints are the
/// same; the update is not a registered parameter, so it is never saved with the foundation.
/// </summary>
public abstract class AdaptableLayer : nn.Module<Tensor, Tensor>
{
    // Field names are the registered names (as torch.nn.Linear's and Conv1d's).
#pragma warning disable IDE1006, CA1051
    public readonly Parameter weight;
    public readonly Parameter bias;
#pragma warning restore IDE1006, CA1051
    LowRankUpdate? update;

    /// <param name="shape">The weight's shape: [outputs, inputs] or [outputs, inputs, kernel].</param>
    protected AdaptableLayer(string name, long[] shape) : base(name)
    {
        // torch's default initialisation of both layers (Kaiming-uniform with a = √5): ±1/√fan-in.
        long fanIn = shape.Skip(1).Aggregate(1L, (product, size) => product * size);
        double bound = 1 / Math.Sqrt(fanIn);
        using (no_grad())
        {
            weight = new Parameter(empty(shape).uniform_(-bound, bound));
            bias = new Parameter(empty(shape[0]).uniform_(-bound, bound));
        }
        RegisterComponents();
    }

    /// <summary>The voice's change to the weight, or null: the pre-trained layer.</summary>
    public LowRankUpdate? Update => update;

    /// <summary>Starts a new update of <paramref name="rank"/> (B zero: no change yet) and returns it to be trained.</summary>
    public LowRankUpdate BeginUpdate(int rank, Generator generator)
    {
        ClearUpdate();
        update = LowRankUpdate.Fresh(weight.shape[0], weight.numel() / weight.shape[0], rank, generator);
        return update;
    }

    /// <summary>Takes a copy of <paramref name="source"/> as this layer's update (null: none).</summary>
    /// <exception cref="ArgumentException">The update does not fit the weight.</exception>
    public void SetUpdate(LowRankUpdate? source)
    {
        if (source is not null && (source.B.shape[0] != weight.shape[0] || source.A.shape[1] != weight.numel() / weight.shape[0]))
            throw new ArgumentException($"{GetName()}: an update of [{string.Join(", ", source.B.shape)}]·[{string.Join(", ", source.A.shape)}] does not fit a weight of [{string.Join(", ", weight.shape)}]");
        ClearUpdate();
        update = source?.Clone();
    }

    public void ClearUpdate()
    {
        update?.Dispose();
        update = null;
    }

    /// <summary>The weight the layer computes with: its own plus the update's ΔW.</summary>
    protected Tensor EffectiveWeight()
    {
        if (update is null) return weight.alias();
        using var delta = update.Delta(weight.shape);
        return weight.Plus(delta);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) ClearUpdate();
        base.Dispose(disposing);
    }
}
