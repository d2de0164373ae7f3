using TorchSharp;
using static TorchSharp.torch;

namespace Twinforge.Engine.Models;

/// <summary>One pre-norm decoder block: x + attn(norm₁(x)), then + mlp(norm₂(x)).</summary>
public sealed class TransformerBlock : nn.Module
{
    readonly nn.Module<Tensor, Tensor> attentionNorm;
    readonly nn.Module<Tensor, Tensor> mlpNorm;
    double residualDropout;

    public TransformerBlock(TransformerConfig config, int layerIndex, ScalarType dtype) : base($"block{layerIndex}")
    {
        var names = ModuleNames.For(config.Family);
        attentionNorm = CreateNorm(config, names.AttentionNorm, dtype);
        Attention = new CausalSelfAttention(config, dtype);
        mlpNorm = CreateNorm(config, names.MlpNorm, dtype);
        Mlp = new FeedForward(config, dtype);
        residualDropout = config.ResidualDropout;
        register_module(names.AttentionNorm, attentionNorm);
        register_module(names.Attention, Attention);
        register_module(names.MlpNorm, mlpNorm);
        register_module(names.Mlp, Mlp);
    }

    public CausalSelfAttention Attention { get; }

    public FeedForward Mlp { get; }

    internal nn.Module<Tensor, Tensor> AttentionNorm => attentionNorm;

    internal nn.Module<Tensor, Tensor> MlpNorm => mlpNorm;

    /// <summary>Dropout on the attention and MLP outputs before the residual additions (training only).</summary>
    internal double ResidualDropout
    {
        get => residualDropout;
        set => residualDropout = value;
    }

    internal static nn.Module<Tensor, Tensor> CreateNorm(TransformerConfig config, string name, ScalarType dtype) =>
        config.Family == ModelFamily.Gpt2
            ? new LayerNormalization(name, config.HiddenSize, config.NormEpsilon, dtype)
            : new RmsNormalization(name, config.HiddenSize, config.NormEpsilon, dtype);

    internal Tensor Forward(Tensor hidden, AttentionInputs inputs)
    {
        using var scope = NewDisposeScope();
        var attended = Attention.Forward(attentionNorm.forward(hidden), inputs);
        var afterAttention = hidden.Plus(Dropout(attended, inputs.Randomness));
        // Not in place: the MLP norm saved afterAttention for its backward pass.
        var result = afterAttention.Plus(Dropout(Mlp.forward(mlpNorm.forward(afterAttention)), inputs.Randomness));
        return result.MoveToOuterDisposeScope();
    }

    Tensor Dropout(Tensor x, DropoutRandomness randomness) =>
        training && residualDropout > 0 ? randomness.Apply(x, residualDropout) : x;
}
