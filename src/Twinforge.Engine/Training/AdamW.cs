using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Twinforge.Engine.Training;

/// <summary>One parameter the optimizer updates, and whether weight decay applies to it.</summary>
public sealed record OptimizedParameter(string Name, Parameter Parameter, bool Decay);

/// <summary>
/// Adam with decoupled weight decay (Loshchilov &amp; Hutter), PyTorch's formulation:
/// θ ← θ·(1 − lr·λ); m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; θ ← θ − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε).
/// Moments are float32 whatever the parameter dtype; the state saves and loads by parameter name, so a resumed
/// run continues exactly.
/// </summary>
public sealed class AdamW : IDisposable
{
    readonly IReadOnlyList<OptimizedParameter> parameters;
    readonly Dictionary<string, (Tensor FirstMoment, Tensor SecondMoment)> moments = [];
    // One float32 buffer as large as the largest parameter, reused by every update for the denominator: fresh
    // parameter-sized temporaries would cost a page-faulting allocation per parameter per step (large blocks are
    // mapped anew by malloc each time), which for GPT-2's 38M-element embedding is most of the optimizer's time.
    // Made on first use: float32 CPU parameters take the fused kernel, which needs none (154 MB saved for GPT-2).
    Tensor? scratch;

    public AdamW(IEnumerable<OptimizedParameter> parameters, double weightDecay = 0.0, double beta1 = 0.9,
        double beta2 = 0.999, double epsilon = 1e-8)
    {
        this.parameters = parameters.ToList();
        if (this.parameters.Select(p => p.Name).Distinct().Count() != this.parameters.Count)
            throw new ArgumentException("parameter names must be unique", nameof(parameters));
        WeightDecay = weightDecay;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        foreach (var p in this.parameters)
            moments[p.Name] = (zeros_like(p.Parameter, dtype: ScalarType.Float32), zeros_like(p.Parameter, dtype: ScalarType.Float32));
    }

    public double WeightDecay { get; }
    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Epsilon { get; }

    /// <summary>Updates taken so far (t in the bias corrections).</summary>
    public long StepCount { get; private set; }

    public IReadOnlyList<OptimizedParameter> Parameters => parameters;

    /// <summary>Bytes of optimizer state (both moments of every parameter).</summary>
    public long StateBytes => moments.Values.Sum(m => m.FirstMoment.NumberOfElements * 4 + m.SecondMoment.NumberOfElements * 4);

    /// <summary>
    /// The <see cref="StateBytes"/> an optimizer over <paramref name="parameters"/> will hold — two float32 moments
    /// per element — without allocating them (e.g. to compare LoRA's state with full fine-tuning's).
    /// </summary>
    public static long StateBytesFor(IEnumerable<Tensor> parameters) => parameters.Sum(p => p.numel() * 2 * sizeof(float));

    /// <summary>
    /// Applies one update with learning rate <paramref name="learningRate"/> from the current gradients, each first
    /// multiplied by <paramref name="gradientScale"/> (the clipping coefficient). With <paramref name="zeroGradients"/>
    /// the gradients are zeroed too, in the same pass over memory where the fused kernel applies.
    /// </summary>
    public void Step(double learningRate, double gradientScale = 1.0, bool zeroGradients = false)
    {
        StepCount++;
        double correction1 = 1 - Math.Pow(Beta1, StepCount);
        double correction2Root = Math.Sqrt(1 - Math.Pow(Beta2, StepCount));
        using var noGrad = no_grad();
        foreach (var p in parameters)
        {
            using var scope = NewDisposeScope();
            var gradient = p.Parameter.grad;
            if (gradient is null) continue;
            var (m, v) = moments[p.Name];
            double decay = p.Decay && WeightDecay > 0 ? 1 - learningRate * WeightDecay : 1.0;
            if (FusedAdamWKernel.Supports(p.Parameter, gradient, m, v))
            {
                FusedAdamWKernel.Apply(p.Parameter, gradient, m, v, new FusedAdamWKernel.Coefficients(
                    (float)Beta1, (float)Beta2, (float)gradientScale, (float)decay, (float)(learningRate / correction1),
                    (float)(1 / correction2Root), (float)Epsilon), zeroGradients);
                continue;
            }
            var g = gradient.dtype == ScalarType.Float32 ? gradient : gradient.to(ScalarType.Float32);
            if (gradientScale != 1.0) g = g.Times(gradientScale);
            m.TimesInPlace(Beta1).PlusScaledInPlace(g, 1 - Beta1);
            v.TimesInPlace(Beta2).PlusProductInPlace(g, g, 1 - Beta2);
            // √v̂ + ε = √v / √(1−β₂ᵗ) + ε, written into the scratch buffer rather than a new tensor.
            var denominator = Scratch(p.Parameter).copy_(v).sqrt_().DividedByInPlace(correction2Root).PlusInPlace(Epsilon);
            if (decay != 1.0) p.Parameter.TimesInPlace(decay);
            if (p.Parameter.dtype == ScalarType.Float32)
            {
                p.Parameter.PlusQuotientInPlace(m, denominator, -learningRate / correction1);
            }
            else
            {
                // A parameter stored in another dtype: the update is formed in float32, then rounded once.
                var update = denominator.reciprocal_().mul_(m).TimesInPlace(learningRate / correction1);
                p.Parameter.sub_(update.to(p.Parameter.dtype));
            }
            if (zeroGradients) gradient.zero_();
        }
    }

    /// <summary>A float32 view of the scratch buffer shaped like <paramref name="parameter"/> (a new tensor on another device).</summary>
    Tensor Scratch(Tensor parameter)
    {
        scratch ??= empty(parameters.Max(p => p.Parameter.numel()), ScalarType.Float32, parameters[0].Parameter.device).DetachFromDisposeScope();
        return parameter.device.type == scratch.device.type && parameter.device.index == scratch.device.index
            ? scratch.narrow(0, 0, parameter.numel()).view(parameter.shape)
            : empty_like(parameter, dtype: ScalarType.Float32);
    }

    /// <summary>Zeroes every gradient in place: keeping the buffers avoids reallocating them each step.</summary>
    public void ZeroGradients()
    {
        using var scope = NewDisposeScope(); // in-place ops hand back new handles
        foreach (var p in parameters)
        {
            using var gradient = p.Parameter.grad; // a new handle each read: dispose it, not the gradient
            gradient?.zero_();
        }
    }

    /// <summary>The moments by name (<c>NAME.exp_avg</c>, <c>NAME.exp_avg_sq</c>, PyTorch's names) for saving.</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> StateTensors() => moments.SelectMany(pair => new[]
    {
        new KeyValuePair<string, Tensor>(pair.Key + ".exp_avg", pair.Value.FirstMoment),
        new KeyValuePair<string, Tensor>(pair.Key + ".exp_avg_sq", pair.Value.SecondMoment),
    });

    /// <summary>Restores the step count and copies saved moments into place.</summary>
    public void RestoreState(long stepCount, Func<string, Tensor, bool> readInto)
    {
        foreach (var (name, (m, v)) in moments)
        {
            if (!readInto(name + ".exp_avg", m) || !readInto(name + ".exp_avg_sq", v))
                throw new InvalidDataException($"the optimizer state has no moments for parameter '{name}'");
        }
        StepCount = stepCount;
    }

    public void Dispose()
    {
        foreach (var (m, v) in moments.Values)
        {
            m.Dispose();
            v.Dispose();
        }
        scratch?.Dispose();
    }
}
