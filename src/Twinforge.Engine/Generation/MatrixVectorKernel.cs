using System.Buffers;
using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace Twinforge.Engine.Generation;

/// <summary>
/// y = W·x + b for one input row on the CPU, W stored (outputs × inputs) contiguous in bfloat16 or float32: each
/// output is one pass over a weight row, accumulated in float32 registers, the rows split across cores. It is what
/// nn.functional.linear computes for a single row; bfloat16 results are rounded once, from float32. A float32 row
/// against bfloat16 weights (a bfloat16 base computed in float32) gives float32 results, the weights read as stored.
/// </summary>
/// <remarks>
/// Why: decoding one token reads every weight once (GPT-2 124M in bfloat16: 250 MB per token), so the step is bound
/// by memory bandwidth. libtorch's one-row products read the weights at ~18–21 GB/s here, where two threads summing
/// the same memory read ~30 GB/s. The split across cores does not change the result: each output is one thread's sum
/// in a fixed order.
/// </remarks>
internal static unsafe class MatrixVectorKernel
{
    /// <summary>Rows per task: a few hundred kilobytes of weights, so a core that is busy elsewhere is covered by the other.</summary>
    const int RowsPerTask = 256;

    /// <summary>
    /// True when <see cref="Multiply"/> can serve this product: one input row (any leading shape of size one) in the
    /// weight's dtype (or float32 over bfloat16 weights), float32 or bfloat16 on the CPU, a contiguous 2-D weight, and a
    /// bias (if any) of the weight's dtype.
    /// </summary>
    public static bool Supports(Tensor input, Tensor weight, Tensor? bias) =>
        input.device_type == DeviceType.CPU && weight.device_type == DeviceType.CPU &&
        (weight.dtype == ScalarType.BFloat16 || weight.dtype == ScalarType.Float32) &&
        (input.dtype == weight.dtype || input.dtype == ScalarType.Float32) && weight.dim() == 2 && weight.is_contiguous() &&
        input.dim() >= 1 && input.shape[^1] == weight.shape[1] && input.numel() == weight.shape[1] &&
        (bias is null || (bias.dtype == weight.dtype && bias.device_type == DeviceType.CPU && bias.numel() == weight.shape[0]));

    /// <summary>W·x + b for the one row <paramref name="input"/> (…, inputs): returns (…, outputs) in the input's dtype.</summary>
    /// <remarks>
    /// One libtorch call per product (the output's allocation): the input row is widened to float32 and the bias read
    /// here, in C#, because a decoding step makes ~50 of these products and each libtorch operation costs microseconds
    /// of dispatch — converting the row and the bias through libtorch cost more than reading a small layer's weights.
    /// </remarks>
    public static Tensor Multiply(Tensor input, Tensor weight, Tensor? bias, bool parallel = true)
    {
        if (!Supports(input, weight, bias))
            throw new ArgumentException($"a matrix-vector product of input [{string.Join(", ", input.shape)}] {input.dtype} and weight [{string.Join(", ", weight.shape)}] {weight.dtype} is not supported");
        int outputs = (int)weight.shape[0], inputs = (int)weight.shape[1];
        long[] shape = [.. input.shape[..^1], outputs];
        using var contiguous = input.is_contiguous() ? null : input.contiguous();
        var row = contiguous ?? input;
        var output = empty(shape, input.dtype);
        bool bfloat16 = weight.dtype == ScalarType.BFloat16;
        var rented = ArrayPool<float>.Shared.Rent(2 * inputs + 2);
        try
        {
            fixed (byte* xBytes = row.bytes, w = weight.bytes, bBytes = bias is null ? default : bias.bytes, y = output.bytes)
            fixed (float* x = rented)
            {
                if (row.dtype == ScalarType.BFloat16)
                    for (int i = 0; i < inputs; i++) x[i] = BFloat16Lanes.ToSingle(((ushort*)xBytes)[i]);
                else
                    new ReadOnlySpan<float>(xBytes, inputs).CopyTo(new Span<float>(x, inputs));
                var operands = new Operands(x, w, bBytes, y, inputs, outputs, bfloat16, output.dtype == ScalarType.BFloat16);
                if (bfloat16)
                {
                    float* even = x + inputs, odd = even + (inputs + 1) / 2;
                    for (int i = 0; i < inputs; i++) (i % 2 == 0 ? even : odd)[i / 2] = x[i];
                    operands = operands with { XEven = even, XOdd = odd };
                }
                RunTasks(operands, parallel);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
        return output;
    }

    static void RunTasks(Operands operands, bool parallel)
    {
        int tasks = (operands.Outputs + RowsPerTask - 1) / RowsPerTask;
        if (tasks == 1 || !parallel || Environment.ProcessorCount == 1) Rows(operands, 0, operands.Outputs);
        else Parallel.For(0, tasks, task => Rows(operands, task * RowsPerTask, Math.Min(operands.Outputs, (task + 1) * RowsPerTask)));
    }

    /// <summary>
    /// The operands of a product over raw memory, for a caller that keeps its activations in float32 buffers of its own
    /// (<see cref="SingleTokenStep"/>): x (inputs) and, for bfloat16 weights, its even and odd elements
    /// (<see cref="SplitEvenOdd"/>); the weight (outputs × inputs) and bias in bfloat16 or float32; y in float32 or bfloat16.
    /// </summary>
    internal static Operands Describe(float* x, float* xEven, float* xOdd, byte* weight, bool bfloat16Weight, byte* bias,
        byte* output, bool bfloat16Output, int inputs, int outputs) =>
        new Operands(x, weight, bias, output, inputs, outputs, bfloat16Weight, bfloat16Output) { XEven = xEven, XOdd = xOdd };

    /// <summary>x's even elements into <paramref name="even"/> and odd ones into <paramref name="odd"/> ((n + 1) / 2 each).</summary>
    internal static void SplitEvenOdd(float* x, int n, float* even, float* odd)
    {
        for (int i = 0; i < n; i++) (i % 2 == 0 ? even : odd)[i / 2] = x[i];
    }

    /// <summary>The outputs part <paramref name="part"/> of <paramref name="parts"/> computes: equal shares of the rows.</summary>
    internal static (int From, int To) Share(int outputs, int part, int parts) =>
        ((int)((long)outputs * part / parts), (int)((long)outputs * (part + 1) / parts));

    /// <summary>
    /// Pointers and sizes of one product (the input split into even and odd elements for bfloat16 weights); the bias,
    /// if any, is in the weight's dtype.
    /// </summary>
    internal readonly struct Operands(float* x, byte* weight, byte* bias, byte* output, int inputs, int outputs, bool bfloat16, bool bfloat16Output)
    {
        public float* X { get; } = x;
        public byte* Weight { get; } = weight;
        public byte* Bias { get; } = bias;
        public byte* Output { get; } = output;
        public int Inputs { get; } = inputs;
        public int Outputs { get; } = outputs;
        public bool BFloat16 { get; } = bfloat16;
        public bool BFloat16Output { get; } = bfloat16Output;
        public float* XEven { get; init; }
        public float* XOdd { get; init; }
    }

    /// <summary>Outputs [from, to), one weight row after the other.</summary>
    /// <remarks>
    /// One row at a time, so the weights are read as one sequential stream, which the hardware prefetcher follows best.
    /// Measured on the Zen 4 (GPT-2 124M bf16 decoding step, both cores): four interleaved rows with software prefetch
    /// of the next four read the weights at 26–30 GB/s, this loop at 35–40 GB/s; prefetching 512–2048 bytes ahead of it
    /// was slower.
    /// </remarks>
    internal static void Rows(Operands operands, int from, int to)
    {
        for (int row = from; row < to; row++)
        {
            float sum = operands.BFloat16
                ? OneRow(operands, (ushort*)operands.Weight + (long)row * operands.Inputs)
                : OneRow(operands, (float*)operands.Weight + (long)row * operands.Inputs);
            if (operands.Bias is not null)
                sum += operands.BFloat16 ? BFloat16Lanes.ToSingle(((ushort*)operands.Bias)[row]) : ((float*)operands.Bias)[row];
            if (operands.BFloat16Output) ((ushort*)operands.Output)[row] = BFloat16Lanes.FromSingle(sum);
            else ((float*)operands.Output)[row] = sum;
        }
    }

    /// <summary>One bfloat16 row against x: even and odd elements in separate sums, two blocks per step (four independent chains).</summary>
    static float OneRow(Operands operands, ushort* w)
    {
        int n = operands.Inputs, width = Vector<uint>.Count, blocked = n - n % (4 * width);
        Vector<float> e0 = default, o0 = default, e1 = default, o1 = default;
        for (int i = 0; i < blocked; i += 4 * width)
        {
            Vector<uint> p0 = Vector.Load((uint*)(w + i)), p1 = Vector.Load((uint*)(w + i + 2 * width));
            e0 = Vector.FusedMultiplyAdd(Vector.Load(operands.XEven + i / 2), BFloat16Lanes.Low(p0), e0);
            o0 = Vector.FusedMultiplyAdd(Vector.Load(operands.XOdd + i / 2), BFloat16Lanes.High(p0), o0);
            e1 = Vector.FusedMultiplyAdd(Vector.Load(operands.XEven + i / 2 + width), BFloat16Lanes.Low(p1), e1);
            o1 = Vector.FusedMultiplyAdd(Vector.Load(operands.XOdd + i / 2 + width), BFloat16Lanes.High(p1), o1);
        }
        return Vector.Sum(e0 + o0 + (e1 + o1)) + Tail(operands.X, w, blocked, n);
    }

    /// <summary>One float32 row against x, four independent sums.</summary>
    static float OneRow(Operands operands, float* w)
    {
        int n = operands.Inputs, width = Vector<float>.Count, blocked = n - n % (4 * width);
        float* x = operands.X;
        Vector<float> s0 = default, s1 = default, s2 = default, s3 = default;
        for (int i = 0; i < blocked; i += 4 * width)
        {
            s0 = Vector.FusedMultiplyAdd(Vector.Load(x + i), Vector.Load(w + i), s0);
            s1 = Vector.FusedMultiplyAdd(Vector.Load(x + i + width), Vector.Load(w + i + width), s1);
            s2 = Vector.FusedMultiplyAdd(Vector.Load(x + i + 2 * width), Vector.Load(w + i + 2 * width), s2);
            s3 = Vector.FusedMultiplyAdd(Vector.Load(x + i + 3 * width), Vector.Load(w + i + 3 * width), s3);
        }
        return Vector.Sum(s0 + s1 + (s2 + s3)) + Tail(x, w, blocked, n);
    }

    static float Tail(float* x, ushort* row, int from, int n)
    {
        float sum = 0;
        for (int i = from; i < n; i++) sum += x[i] * BFloat16Lanes.ToSingle(row[i]);
        return sum;
    }

    static float Tail(float* x, float* row, int from, int n)
    {
        float sum = 0;
        for (int i = from; i < n; i++) sum += x[i] * row[i];
        return sum;
    }
}
