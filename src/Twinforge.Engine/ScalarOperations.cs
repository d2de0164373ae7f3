using TorchSharp;
using static TorchSharp.torch;

namespace Twinforge.Engine;

/// <summary>
/// Tensor operations with a number, holding the number's native <see cref="Scalar"/> alive until libtorch is done
/// with it. TorchSharp turns a number into a <c>Scalar</c> implicitly and passes only its native handle on, so the
/// garbage collector may finalize (free) the <c>Scalar</c> while the native operation still reads it, which fails as
/// "Unknown scalar type" (seen in a test run once nothing forced collections between steps). Here each <c>Scalar</c>
/// is made explicitly and disposed after the call.
/// </summary>
internal static class ScalarOperations
{
    public static Tensor Times(this Tensor tensor, double value)
    {
        using var scalar = value.ToScalar();
        return tensor.mul(scalar);
    }

    public static Tensor TimesInPlace(this Tensor tensor, double value)
    {
        using var scalar = value.ToScalar();
        return tensor.mul_(scalar);
    }

    public static Tensor DividedBy(this Tensor tensor, double value)
    {
        using var scalar = value.ToScalar();
        return tensor.div(scalar);
    }

    public static Tensor DividedByInPlace(this Tensor tensor, double value)
    {
        using var scalar = value.ToScalar();
        return tensor.div_(scalar);
    }

    public static Tensor PlusInPlace(this Tensor tensor, double value)
    {
        using var scalar = value.ToScalar();
        return tensor.add_(scalar);
    }

    /// <summary>tensor += alpha · other.</summary>
    public static Tensor PlusScaledInPlace(this Tensor tensor, Tensor other, double alpha)
    {
        using var scalar = alpha.ToScalar();
        return tensor.add_(other, scalar);
    }

    /// <summary>tensor += value · first · second.</summary>
    public static Tensor PlusProductInPlace(this Tensor tensor, Tensor first, Tensor second, double value)
    {
        using var scalar = value.ToScalar();
        return tensor.addcmul_(first, second, scalar);
    }

    public static Tensor FilledWhere(this Tensor tensor, Tensor mask, double value)
    {
        using var scalar = value.ToScalar();
        return tensor.masked_fill(mask, scalar);
    }

    public static Tensor FillInPlace(this Tensor tensor, double value)
    {
        using var scalar = value.ToScalar();
        return tensor.fill_(scalar);
    }

    public static Tensor NotEqualTo(this Tensor tensor, long value)
    {
        using var scalar = value.ToScalar();
        return tensor.ne(scalar);
    }

    public static Tensor GreaterThan(this Tensor tensor, double value)
    {
        using var scalar = value.ToScalar();
        return tensor.gt(scalar);
    }

    public static Tensor LessThan(this Tensor tensor, double value)
    {
        using var scalar = value.ToScalar();
        return tensor.lt(scalar);
    }

    /// <summary>start, start + 1, …, stop − 1 as int64, like <c>torch.arange</c>.</summary>
    public static Tensor Range(long start, long stop, Device? device = null)
    {
        using Scalar from = start.ToScalar(), to = stop.ToScalar(), step = 1L.ToScalar();
        return arange(from, to, step, ScalarType.Int64, device);
    }

    public static Tensor FullLike(Tensor tensor, double value)
    {
        using var scalar = value.ToScalar();
        return full_like(tensor, scalar);
    }
}
