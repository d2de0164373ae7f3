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

    /// <summary>
    /// The dtype the matrix product runs in, or null for the weight's own dtype. With bfloat16 over float32 weights
    /// this is mixed precision: the weights stay float32 (the optimizer's master copy) and are cast per call, and
    /// autograd carries the gradient back through the cast in float32.
    /// </summary>
    public ScalarType? ComputeDType { get; set; }

    public override Tensor forward(Tensor input)
    {
        if (ComputeDType is not ScalarType compute || compute == weight.dtype) return Affine(input, weight, bias);
        using var scope = NewDisposeScope();
        return Affine(input.to(compute), weight.to(compute), bias?.to(compute)).MoveToOuterDisposeScope();
    }

    Tensor Affine(Tensor input, Tensor w, Tensor? b) => Layout == WeightLayout.OutputsByInputs
        ? nn.functional.linear(input, w, b)
        : b is null ? input.matmul(w) : input.matmul(w).add_(b);

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
