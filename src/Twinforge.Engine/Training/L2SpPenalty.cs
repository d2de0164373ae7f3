using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Twinforge.Engine.Training;

/// <summary>
/// L2-SP (Li et al., 2018): α · ‖θ − θ₀‖² over the trainable weights, θ₀ the pre-trained starting point. Unlike
/// weight decay, which pulls weights to zero, it pulls them back to what the base model knew. Parameters trained
/// in place keep a float32 copy of their start; a LoRA adapter's distance is its weight delta ΔW = s·B·A, which
/// starts at zero, so nothing needs copying.
/// </summary>
public sealed class L2SpPenalty : IDisposable
{
    readonly List<(Parameter Parameter, Tensor Start)> anchored = [];
    readonly List<Func<Tensor>> deltas;

    /// <param name="strength">α, the weight of the penalty in the loss.</param>
    /// <param name="anchoredParameters">Parameters trained in place; their current values are the anchor.</param>
    /// <param name="weightDeltas">Functions that return a weight delta (with autograd) whose squared norm is penalised.</param>
    public L2SpPenalty(double strength, IEnumerable<Parameter> anchoredParameters, IEnumerable<Func<Tensor>> weightDeltas)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(strength);
        Strength = strength;
        using (no_grad())
        {
            foreach (var parameter in anchoredParameters)
                anchored.Add((parameter, parameter.detach().to(ScalarType.Float32, copy: true)));
        }
        deltas = weightDeltas.ToList();
    }

    public double Strength { get; }

    /// <summary>α · (Σ ‖θ − θ₀‖² + Σ ‖ΔW‖²), a scalar with autograd.</summary>
    public Tensor Compute()
    {
        using var scope = NewDisposeScope();
        var total = zeros([], ScalarType.Float32);
        foreach (var (parameter, start) in anchored)
            total = total.Plus(parameter.to(ScalarType.Float32).sub(start).Squared().sum());
        foreach (var delta in deltas)
            total = total.Plus(delta().to(ScalarType.Float32).Squared().sum());
        return total.Times(Strength).MoveToOuterDisposeScope();
    }

    /// <summary>The penalty's current value, without gradients.</summary>
    public double Value()
    {
        using var noGrad = no_grad();
        using var value = Compute();
        return value.item<float>();
    }

    public void Dispose()
    {
        foreach (var (_, start) in anchored) start.Dispose();
    }
}
