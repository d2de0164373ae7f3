using TorchSharp;
using static TorchSharp.torch;

namespace Twinforge.Engine.Models;

/// <summary>
/// The position-wise MLP: GPT-2's c_proj(gelu(c_fc(x))) or Llama's gated down_proj(silu(gate_proj(x)) · up_proj(x)).
/// </summary>
public sealed class FeedForward : nn.Module<Tensor, Tensor>
{
    readonly Projection? gate;
    readonly Projection up;
    readonly Projection down;
    readonly string activation;

    public FeedForward(TransformerConfig config, ScalarType dtype) : base("mlp")
    {
        var names = ModuleNames.For(config.Family);
        activation = config.Activation;
        var layout = config.Family == ModelFamily.Gpt2 ? WeightLayout.InputsByOutputs : WeightLayout.OutputsByInputs;
        if (names.Gate is string gateName)
        {
            gate = new Projection(gateName, config.HiddenSize, config.IntermediateSize, config.MlpBias, layout, dtype);
            register_module(gateName, gate);
        }
        up = new Projection(names.Up, config.HiddenSize, config.IntermediateSize, config.MlpBias, layout, dtype);
        down = new Projection(names.Down, config.IntermediateSize, config.HiddenSize, config.MlpBias, layout, dtype);
        register_module(names.Up, up);
        register_module(names.Down, down);
    }

    public IEnumerable<Projection> Projections => new[] { gate, up, down }.OfType<Projection>();

    // An inference session runs the projections from its own copies and shares Inner.
    internal Projection? GateProjection => gate;
    internal Projection UpProjection => up;
    internal Projection DownProjection => down;

    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        return down.forward(Inner(gate?.forward(hidden), up.forward(hidden))).MoveToOuterDisposeScope();
    }

    /// <summary>silu(gate(x)) · up(x) for Llama, gelu(up(x)) for GPT-2, from the projections' outputs.</summary>
    internal Tensor Inner(Tensor? gated, Tensor upped) =>
        gated is null ? Gelu(upped) : nn.functional.silu(gated).mul(upped);

    Tensor Gelu(Tensor x) => activation == "gelu"
        ? nn.functional.gelu(x)
        : nn.functional.gelu(x, TorchSharp.Modules.GELU.Approximate.tanh); // gelu_new, gelu_pytorch_tanh, gelu_fast
}
