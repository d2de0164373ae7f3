using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Twinforge.Engine.Models;

/// <summary>A lookup table of vectors (token or learned-position embeddings) with one parameter, <c>weight</c>.</summary>
public sealed class TokenEmbedding : nn.Module<Tensor, Tensor>
{
    public Parameter weight;

    public TokenEmbedding(string name, long count, long dimension, ScalarType dtype) : base(name)
    {
        weight = new Parameter(empty([count, dimension], dtype));
        RegisterComponents();
    }

    public long Count => weight.shape[0];

    /// <summary>(…) ids → (…, dimension) vectors.</summary>
    public override Tensor forward(Tensor ids)
    {
        using var scope = NewDisposeScope();
        long[] outputShape = [.. ids.shape, weight.shape[1]];
        return weight.index_select(0, ids.reshape(-1)).view(outputShape).MoveToOuterDisposeScope();
    }

    public void Initialize(double standardDeviation, Generator? generator)
    {
        using var noGrad = no_grad();
        weight.normal_(0.0, standardDeviation, generator);
    }
}
