using TorchSharp;
using static TorchSharp.torch;

namespace Twinforge.Engine.Training;

/// <summary>The global L2 norm of a set of gradients, as clipping uses it: √(Σᵢ ‖gᵢ‖²).</summary>
public static class GradientNorm
{
    /// <summary>
    /// Each gradient's norm is a float32 reduction (no squared copy of the gradient is made: for an embedding-sized
    /// gradient that copy is a large fresh allocation every step); the per-tensor norms are combined in float64.
    /// One host read for the result. 0 for no gradients.
    /// </summary>
    public static double Of(IEnumerable<Tensor> gradients)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var norms = gradients.Select(g => linalg.vector_norm(g.dtype == ScalarType.Float32 ? g : g.to(ScalarType.Float32))).ToList();
        if (norms.Count == 0) return 0;
        return stack(norms).to(ScalarType.Float64).square().sum().sqrt().item<double>();
    }
}
