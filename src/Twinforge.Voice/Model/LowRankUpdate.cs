using TorchSharp;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace Twinforge.Voice.Model;

/// <summary>
/// A low-rank change to one layer's weight (LoRA, Hu et al. 2021): ΔW = B·A, A [rank, fan-in] and B [outputs, rank],
/// reshaped to the weight's shape — for a convolution, over its flattened kernel, as LyCORIS's LoCon adapts
/// convolutions. A fresh one has B at zero, so the layer starts exactly as pre-trained.
/// </summary>
public sealed class LowRankUpdate : IDisposable
{
    /// <summary>Takes ownership of <paramref name="a"/> [rank, fan-in] and <paramref name="b"/> [outputs, rank].</summary>
    /// <param name="trainable">Whether autograd tracks the factors (a fresh update's are trained; a saved voice's are not).</param>
    public LowRankUpdate(Tensor a, Tensor b, bool trainable = false)
    {
        if (a.dim() != 2 || b.dim() != 2 || b.shape[1] != a.shape[0])
            throw new ArgumentException($"a low-rank update is A [rank, fan-in] and B [outputs, rank]; got A [{string.Join(", ", a.shape)}] and B [{string.Join(", ", b.shape)}]");
        A = new Parameter(a, requires_grad: trainable);
        B = new Parameter(b, requires_grad: trainable);
    }

    public Parameter A { get; }
    public Parameter B { get; }

    public int Rank => (int)A.shape[0];

    /// <summary>A new update for a weight of <paramref name="outputs"/> rows of <paramref name="fanIn"/> numbers: A drawn as torch draws a linear layer's weight, B zero.</summary>
    public static LowRankUpdate Fresh(long outputs, long fanIn, int rank, Generator generator)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rank, 1);
        var a = empty(rank, fanIn);
        double bound = 1 / Math.Sqrt(fanIn);
        using (no_grad()) a.uniform_(-bound, bound, generator);
        return new LowRankUpdate(a, zeros(outputs, rank), trainable: true);
    }

    /// <summary>ΔW in the weight's <paramref name="shape"/> (differentiable in A and B).</summary>
    public Tensor Delta(long[] shape)
    {
        using var product = B.matmul(A);
        return product.view(shape);
    }

    public LowRankUpdate Clone()
    {
        using var _ = no_grad();
        return new LowRankUpdate(A.detach().clone(), B.detach().clone());
    }

    public void Dispose()
    {
        A.Dispose();
        B.Dispose();
    }
}
