using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Twinforge.Engine.Models;

/// <summary>LayerNorm with affine weight and bias (GPT-2).</summary>
public sealed class LayerNormalization : nn.Module<Tensor, Tensor>
{
    public Parameter weight;
    public Parameter bias;
    readonly double epsilon;

    public LayerNormalization(string name, long size, double epsilon, ScalarType dtype) : base(name)
    {
        this.epsilon = epsilon;
        weight = new Parameter(ones([size], dtype));
        bias = new Parameter(zeros([size], dtype));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) =>
        nn.functional.layer_norm(input, [weight.shape[0]], weight, bias, epsilon);
}

/// <summary>
/// Root-mean-square normalisation (Llama): x / sqrt(mean(x²) + ε) · weight, computed in float32 and cast back
/// before the weight is applied, as Hugging Face's LlamaRMSNorm does.
/// </summary>
public sealed class RmsNormalization : nn.Module<Tensor, Tensor>
{
    public Parameter weight;
    readonly double epsilon;

    public RmsNormalization(string name, long size, double epsilon, ScalarType dtype) : base(name)
    {
        this.epsilon = epsilon;
        weight = new Parameter(ones([size], dtype));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input.to(float32);
        var normalized = x.mul(x.Squared().mean([-1], keepdim: true).PlusInPlace(epsilon).rsqrt_());
        return weight.mul(normalized.to(input.dtype)).MoveToOuterDisposeScope();
    }
}
