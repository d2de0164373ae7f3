using TorchSharp;
using static TorchSharp.torch;

namespace Twinforge.Engine.Training;

/// <summary>The global L2 norm of a set of gradients, as clipping uses it: √(Σᵢ ‖gᵢ‖²).</summary>
public static class GradientNorm
{
    /// <summary>
    /// Each gradient's norm is a float32 reduction (no squared copy of the gradient is made: for an embedding-sized
    /// gradient that copy is a large fresh allocation every step); the per-tensor norms are combined in float64.
    /// 0 for no gradients.
    /// </summary>
    public static double Of(IEnumerable<Tensor> gradients)
    {
        using var norm = OnDevice(gradients);
        return norm.item<double>();
    }

    /// <summary>The same norm as a float64 scalar on the gradients' device, for a caller that reads it with other figures.</summary>
    public static Tensor OnDevice(IEnumerable<Tensor> gradients)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var norms = gradients.Select(g => linalg.vector_norm(g.dtype == ScalarType.Float32 ? g : g.to(ScalarType.Float32))).ToList();
        if (norms.Count == 0) return zeros([], ScalarType.Float64).MoveToOuterDisposeScope();
        return stack(norms).to(ScalarType.Float64).square().sum().sqrt().MoveToOuterDisposeScope();
    }
}
