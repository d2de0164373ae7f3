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
/// <remarks>
/// The same holds for the sums TorchSharp writes with a hidden number: <c>add(Tensor)</c>, <c>add_(Tensor)</c> and the
/// <c>+</c> operator pass alpha = 1 as an implicit <c>Scalar</c>, <c>square()</c> passes its exponent 2 as one. One that is not disposed is freed only by its
/// finalizer, at the next garbage collection, which may be many training steps away; meanwhile each of these small
/// native blocks sits where the C heap carved it, often at the start of a large freed tensor block, and the next
/// tensor of that size no longer fits there (bench/NOTES.md, change 15: a GPT-2 124M LoRA step left ~260 of them and
/// grew resident memory by ~100 MB a step under the CLI's heap setting). Hence <see cref="Plus(Tensor, Tensor)"/>,
/// <see cref="PlusInPlace(Tensor, Tensor)"/> and <see cref="Squared"/>.
/// </remarks>
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

    /// <summary>tensor + other, as <c>tensor.add(other)</c> with its alpha = 1 disposed after the call.</summary>
    public static Tensor Plus(this Tensor tensor, Tensor other)
    {
        using var one = 1.ToScalar();
        return tensor.add(other, one);
    }

    /// <summary>tensor + value.</summary>
    public static Tensor Plus(this Tensor tensor, double value)
    {
        using Scalar scalar = value.ToScalar(), one = 1.ToScalar();
        return tensor.add(scalar, one);
    }

    /// <summary>tensor − other, as tensor + (−1) · other with the −1 an explicit Scalar disposed after the call.</summary>
    public static Tensor Minus(this Tensor tensor, Tensor other)
    {
        using var minusOne = (-1).ToScalar();
        return tensor.add(other, minusOne);
    }

    /// <summary>The tensor with every element below <paramref name="value"/> raised to it, as <c>clamp_min</c>.</summary>
    public static Tensor AtLeast(this Tensor tensor, double value)
    {
        using var scalar = value.ToScalar();
        return tensor.clamp_min(scalar);
    }

    public static Tensor EqualTo(this Tensor tensor, double value)
    {
        using var scalar = value.ToScalar();
        return tensor.eq(scalar);
    }

    /// <summary>tensor += other, as <c>tensor.add_(other)</c> with its alpha = 1 disposed after the call.</summary>
    public static Tensor PlusInPlace(this Tensor tensor, Tensor other)
    {
        using var one = 1.ToScalar();
        return tensor.add_(other, one);
    }

    public static Tensor PlusInPlace(this Tensor tensor, double value)
    {
        using Scalar scalar = value.ToScalar(), one = 1.ToScalar(); // add_(Scalar) would make its alpha = 1 implicitly
        return tensor.add_(scalar, one);
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

    /// <summary>tensor += value · first / second.</summary>
    public static Tensor PlusQuotientInPlace(this Tensor tensor, Tensor first, Tensor second, double value)
    {
        using var scalar = value.ToScalar();
        return tensor.addcdiv_(first, second, scalar);
    }

    /// <summary>tensor², as <c>tensor.square()</c>, which is <c>pow(2)</c> with the 2 an implicit Scalar.</summary>
    public static Tensor Squared(this Tensor tensor)
    {
        using var two = 2.ToScalar();
        return tensor.pow(two);
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
