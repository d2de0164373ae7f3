using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Twinforge.Engine.Models;

/// <summary>How a projection's weight is laid out in memory and in checkpoints.</summary>
public enum WeightLayout
{
    /// <summary>torch.nn.Linear: weight is (out, in); y = x Wᵀ + b.</summary>
    OutputsByInputs,

    /// <summary>GPT-2's Conv1D: weight is (in, out); y = x W + b. Hugging Face GPT-2 checkpoints store it so.</summary>
    InputsByOutputs,
}

/// <summary>
/// An affine projection whose parameters are named <c>weight</c> and <c>bias</c>, as in Hugging Face checkpoints,
/// in either weight layout, so a checkpoint tensor loads into it byte for byte.
/// </summary>
public sealed class Projection : nn.Module<Tensor, Tensor>
{
    // Field names are the parameter names: TorchSharp matches fields to registered names when it moves parameters.
    public Parameter weight;
    public Parameter? bias;

    public Projection(string name, long inFeatures, long outFeatures, bool hasBias, WeightLayout layout, ScalarType dtype)
        : base(name)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Layout = layout;
        long[] shape = layout == WeightLayout.OutputsByInputs ? [outFeatures, inFeatures] : [inFeatures, outFeatures];
        weight = new Parameter(empty(shape, dtype));
        bias = hasBias ? new Parameter(empty([outFeatures], dtype)) : null;
        RegisterComponents();
    }

    public long InFeatures { get; }
    public long OutFeatures { get; }
    public WeightLayout Layout { get; }

    public override Tensor forward(Tensor input) => Layout == WeightLayout.OutputsByInputs
        ? nn.functional.linear(input, weight, bias)
        : bias is null ? input.matmul(weight) : input.matmul(weight).add_(bias);

    /// <summary>The weight as (out, in), whatever the storage layout (a view, not a copy).</summary>
    public Tensor WeightOutputsByInputs() => Layout == WeightLayout.OutputsByInputs ? weight.alias() : weight.t();

    /// <summary>Fills the weight with N(0, std²) and the bias with zeros (from-scratch initialisation).</summary>
    public void Initialize(double standardDeviation, Generator? generator)
    {
        using var noGrad = no_grad();
        weight.normal_(0.0, standardDeviation, generator);
        bias?.zero_();
    }
}
