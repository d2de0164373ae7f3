using TorchSharp;
using static TorchSharp.torch;

namespace Twinforge.Engine.Training;

/// <summary>The global L2 norm of a set of gradients, as clipping uses it: √(Σᵢ ‖gᵢ‖²).</summary>
public static class GradientNorm
{
    /// <summary>
    /// Every square is summed in float64 (<see cref="SquaredSumKernel"/>, straight from a float32 gradient's memory,
    /// with no copy), so the norm of a gradient of tens of millions of elements is exact to float64 rounding rather
    /// than to float32's. Other gradients (another dtype or device) are converted to float64 first. 0 for none.
    /// </summary>
    public static double Of(IEnumerable<Tensor> gradients)
    {
        double squares = 0;
        foreach (var gradient in gradients) squares += SquaredSum(gradient);
        return Math.Sqrt(squares);
    }

    /// <summary>The same norm as a float64 scalar tensor on the gradients' device, for a caller that reads it with other figures.</summary>
    public static Tensor OnDevice(IEnumerable<Tensor> gradients)
    {
        var list = gradients.ToList();
        var device = list.Count > 0 ? list[0].device : CPU;
        return tensor(Of(list), ScalarType.Float64, device);
    }

    static double SquaredSum(Tensor gradient)
    {
        if (SquaredSumKernel.Supports(gradient)) return SquaredSumKernel.Of(gradient);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return gradient.to(ScalarType.Float64).Squared().sum().item<double>();
    }
}
