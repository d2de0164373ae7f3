using TorchSharp;
using TorchSharp.Modules;
using Twinforge.Engine.Lora;
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
/// in either weight layout, so a checkpoint tensor loads into it byte for byte. It has a slot for one LoRA adapter,
/// whose factors are registered as the children <c>lora_A</c> and <c>lora_B</c> (PEFT's names without the adapter name).
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
    /// autograd carries the gradient back through the cast in float32. With float32 over bfloat16 weights (a frozen
    /// bfloat16 base where bfloat16 products are slow) each call upcasts the weight for its product only: the float32
    /// copy lives as long as autograd keeps it for the backward pass, which activation checkpointing bounds to one block.
    /// </summary>
    public ScalarType? ComputeDType { get; set; }

    /// <summary>
    /// The generator an attached adapter's dropout draws from: its model's (set when the model is built). A projection
    /// outside a model has none, and its adapter then trains without dropout masks only if its dropout is 0.
    /// </summary>
    internal DropoutRandomness? Randomness { get; set; }

    /// <summary>The attached LoRA adapter, or null: then the forward pass is the plain affine map, unchanged.</summary>
    public LoraAdapter? Adapter { get; private set; }

    public override Tensor forward(Tensor input)
    {
        if (Adapter is null) return BaseForward(input);
        using var scope = NewDisposeScope();
        return WithAdapterDelta(input, BaseForward(input)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// PEFT's LoRA Linear: result + lora_B(lora_A(dropout(x))) · scaling, in the result's dtype, where
    /// <paramref name="result"/> is the base map of <paramref name="input"/> (computed here, or from an inference
    /// session's copies of the weights). Without an adapter, the result itself.
    /// </summary>
    internal Tensor WithAdapterDelta(Tensor input, Tensor result)
    {
        if (Adapter is null) return result;
        var delta = Adapter.Delta(input, training, ComputeDType, Randomness);
        return result.Plus(delta.dtype == result.dtype ? delta : delta.to(result.dtype));
    }

    Tensor BaseForward(Tensor input)
    {
        if (ComputeDType is not ScalarType compute || compute == weight.dtype) return Affine(input, weight, bias);
        using var scope = NewDisposeScope();
        return Affine(input.to(compute), InComputeDType(weight, frozenWeight, compute), bias is null ? null : InComputeDType(bias, frozenBias, compute))
            .MoveToOuterDisposeScope();
    }

    // Copies of frozen parameters in the compute dtype, kept while a FrozenComputeCopies handle lives.
    Tensor? frozenWeight;
    Tensor? frozenBias;

    /// <summary>The cached copy while it is valid (same dtype, parameter still frozen), else a cast made now.</summary>
    static Tensor InComputeDType(Parameter parameter, Tensor? frozenCopy, ScalarType compute) =>
        frozenCopy is not null && frozenCopy.dtype == compute && !parameter.requires_grad ? frozenCopy : parameter.to(compute);

    /// <summary>
    /// Keeps compute-dtype copies of the frozen weight and bias (see <see cref="CausalLanguageModel.CacheFrozenComputeCopies"/>)
    /// instead of casting them in every forward pass.
    /// </summary>
    internal void CacheFrozenComputeCopies()
    {
        ReleaseFrozenComputeCopies();
        if (ComputeDType is not ScalarType compute || compute == weight.dtype) return;
        // A widened copy would be a second, larger copy of the weight for as long as training runs.
        if (DTypeWidth.Widens(weight.dtype, compute)) return;
        using var noGrad = no_grad();
        if (!weight.requires_grad) frozenWeight = weight.to(compute).DetachFromDisposeScope();
        if (bias is not null && !bias.requires_grad) frozenBias = bias.to(compute).DetachFromDisposeScope();
    }

    internal void ReleaseFrozenComputeCopies()
    {
        frozenWeight?.Dispose();
        frozenBias?.Dispose();
        frozenWeight = frozenBias = null;
    }

    /// <summary>
    /// Attaches <paramref name="adapter"/>: its factors become this module's children <c>lora_A</c> and <c>lora_B</c>,
    /// so the model lists <c>&lt;module&gt;.lora_A.weight</c> and <c>&lt;module&gt;.lora_B.weight</c>.
    /// </summary>
    public void AttachAdapter(LoraAdapter adapter)
    {
        ArgumentNullException.ThrowIfNull(adapter);
        if (Adapter is not null)
            throw new InvalidOperationException($"projection '{GetName()}' already has a LoRA adapter; detach it first");
        if (adapter.InFeatures != InFeatures || adapter.OutFeatures != OutFeatures)
            throw new ArgumentException(
                $"the adapter maps {adapter.InFeatures} → {adapter.OutFeatures} features but the projection maps {InFeatures} → {OutFeatures}",
                nameof(adapter));
        register_module(LoraAdapter.AName, adapter.lora_A);
        register_module(LoraAdapter.BName, adapter.lora_B);
        Adapter = adapter;
    }

    /// <summary>
    /// Removes the adapter from the module tree (TorchSharp unregisters a child registered again as null) and
    /// returns it, now owned by the caller; null when none was attached.
    /// </summary>
    public LoraAdapter? DetachAdapter()
    {
        var adapter = Adapter;
        if (adapter is null) return null;
        register_module(LoraAdapter.AName, null!);
        register_module(LoraAdapter.BName, null!);
        Adapter = null;
        return adapter;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Adapter?.Dispose();
            ReleaseFrozenComputeCopies();
        }
        base.Dispose(disposing);
    }

    Tensor Affine(Tensor input, Tensor w, Tensor? b) => Layout == WeightLayout.OutputsByInputs
        ? nn.functional.linear(input, w, b)
        : b is null ? input.matmul(w) : input.matmul(w).PlusInPlace(b);

    /// <summary>The weight as (out, in), whatever the storage layout (a view, not a copy).</summary>
    public Tensor WeightOutputsByInputs() => Layout == WeightLayout.OutputsByInputs ? weight.alias() : weight.t();

    /// <summary>Fills the weight with N(0, std²) and the bias with zeros (from-scratch initialisation).</summary>
    public void Initialize(double standardDeviation, Generator? generator)
    {
        using var noGrad = no_grad();
        weight.normal_(0.0, standardDeviation, generator);
        bias?.FillInPlace(0.0); // not zero_(): TorchSharp's hands back a second native handle, freed only by its finalizer
    }
}
