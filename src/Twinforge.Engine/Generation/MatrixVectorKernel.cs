using System.Buffers;
using System.Numerics;
using System.Runtime.Intrinsics.X86;
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
    public static Tensor Multiply(Tensor input, Tensor weight, Tensor? bias, bool parallel = true)
    {
        if (!Supports(input, weight, bias))
            throw new ArgumentException($"a matrix-vector product of input [{string.Join(", ", input.shape)}] {input.dtype} and weight [{string.Join(", ", weight.shape)}] {weight.dtype} is not supported");
        using var scope = NewDisposeScope();
        int outputs = (int)weight.shape[0], inputs = (int)weight.shape[1];
        long[] shape = [.. input.shape[..^1], outputs];
        var x = input.reshape(inputs).to(ScalarType.Float32).contiguous();
        var b = bias?.reshape(outputs).to(ScalarType.Float32).contiguous();
        var output = empty(shape, input.dtype);
        bool bfloat16 = weight.dtype == ScalarType.BFloat16;
        fixed (byte* xBytes = x.bytes, w = weight.bytes, bBytes = b is null ? default : b.bytes, y = output.bytes)
        {
            var operands = new Operands((float*)xBytes, w, (float*)bBytes, y, inputs, outputs, bfloat16, output.dtype == ScalarType.BFloat16);
            var split = ArrayPool<float>.Shared.Rent(inputs + 2);
            try
            {
                fixed (float* even = split)
                {
                    float* odd = even + (inputs + 1) / 2;
                    if (bfloat16)
                    {
                        for (int i = 0; i < inputs; i++) (i % 2 == 0 ? even : odd)[i / 2] = operands.X[i];
                        operands = operands with { XEven = even, XOdd = odd };
                    }
                    RunTasks(operands, parallel);
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(split);
            }
        }
        return output.MoveToOuterDisposeScope();
    }

    static void RunTasks(Operands operands, bool parallel)
    {
        int tasks = (operands.Outputs + RowsPerTask - 1) / RowsPerTask;
        if (tasks == 1 || !parallel || Environment.ProcessorCount == 1) Rows(operands, 0, operands.Outputs);
        else Parallel.For(0, tasks, task => Rows(operands, task * RowsPerTask, Math.Min(operands.Outputs, (task + 1) * RowsPerTask)));
    }

    /// <summary>Pointers and sizes of one product (the input split into even and odd elements for bfloat16 weights).</summary>
    readonly struct Operands(float* x, byte* weight, float* bias, byte* output, int inputs, int outputs, bool bfloat16, bool bfloat16Output)
    {
        public float* X { get; } = x;
        public byte* Weight { get; } = weight;
        public float* Bias { get; } = bias;
        public byte* Output { get; } = output;
        public int Inputs { get; } = inputs;
        public int Outputs { get; } = outputs;
        public bool BFloat16 { get; } = bfloat16;
        public bool BFloat16Output { get; } = bfloat16Output;
        public float* XEven { get; init; }
        public float* XOdd { get; init; }
    }

    /// <summary>Outputs [from, to), four rows at a time, then one at a time.</summary>
    static void Rows(Operands operands, int from, int to)
    {
        int row = from;
        for (; row + 4 <= to; row += 4)
        {
            var sums = operands.BFloat16 ? FourRows(operands, (ushort*)operands.Weight + (long)row * operands.Inputs)
                                         : FourRows(operands, (float*)operands.Weight + (long)row * operands.Inputs);
            Store(operands, row, sums.S0);
            Store(operands, row + 1, sums.S1);
            Store(operands, row + 2, sums.S2);
            Store(operands, row + 3, sums.S3);
        }
        for (; row < to; row++)
        {
            float sum = 0;
            for (int i = 0; i < operands.Inputs; i++)
                sum += operands.X[i] * (operands.BFloat16
                    ? BFloat16Lanes.ToSingle(((ushort*)operands.Weight)[(long)row * operands.Inputs + i])
                    : ((float*)operands.Weight)[(long)row * operands.Inputs + i]);
            Store(operands, row, sum);
        }
    }

    static void Store(Operands operands, int row, float sum)
    {
        if (operands.Bias is not null) sum += operands.Bias[row];
        if (operands.BFloat16Output) ((ushort*)operands.Output)[row] = BFloat16Lanes.FromSingle(sum);
        else ((float*)operands.Output)[row] = sum;
    }

    readonly record struct FourSums(float S0, float S1, float S2, float S3);

    /// <summary>Four consecutive bfloat16 rows against x, each with separate even and odd sums (eight independent chains).</summary>
    static FourSums FourRows(Operands operands, ushort* w0)
    {
        int n = operands.Inputs, width = Vector<uint>.Count, blocked = n - n % (2 * width);
        ushort* w1 = w0 + n, w2 = w1 + n, w3 = w2 + n;
        Vector<float> e0 = default, o0 = default, e1 = default, o1 = default, e2 = default, o2 = default, e3 = default, o3 = default;
        // The four rows are four interleaved streams a few kilobytes long, which the hardware prefetcher follows
        // poorly: each step requests its share of the next four rows (one core read 17 -> 28 GB/s with this, two
        // cores 20 -> 47 GB/s on the head; two blocks ahead or more was slower).
        byte* ahead = (byte*)(w0 + 4L * n);
        for (int i = 0; i < blocked; i += 2 * width)
        {
            Prefetch(ahead + i * 8L, 2 * width * 8);
            Vector<float> even = Vector.Load(operands.XEven + i / 2), odd = Vector.Load(operands.XOdd + i / 2);
            Vector<uint> p0 = Vector.Load((uint*)(w0 + i)), p1 = Vector.Load((uint*)(w1 + i));
            Vector<uint> p2 = Vector.Load((uint*)(w2 + i)), p3 = Vector.Load((uint*)(w3 + i));
            e0 = Vector.FusedMultiplyAdd(even, BFloat16Lanes.Low(p0), e0);
            o0 = Vector.FusedMultiplyAdd(odd, BFloat16Lanes.High(p0), o0);
            e1 = Vector.FusedMultiplyAdd(even, BFloat16Lanes.Low(p1), e1);
            o1 = Vector.FusedMultiplyAdd(odd, BFloat16Lanes.High(p1), o1);
            e2 = Vector.FusedMultiplyAdd(even, BFloat16Lanes.Low(p2), e2);
            o2 = Vector.FusedMultiplyAdd(odd, BFloat16Lanes.High(p2), o2);
            e3 = Vector.FusedMultiplyAdd(even, BFloat16Lanes.Low(p3), e3);
            o3 = Vector.FusedMultiplyAdd(odd, BFloat16Lanes.High(p3), o3);
        }
        return new FourSums(
            Vector.Sum(e0 + o0) + Tail(operands.X, w0, blocked, n),
            Vector.Sum(e1 + o1) + Tail(operands.X, w1, blocked, n),
            Vector.Sum(e2 + o2) + Tail(operands.X, w2, blocked, n),
            Vector.Sum(e3 + o3) + Tail(operands.X, w3, blocked, n));
    }

    /// <summary>Four consecutive float32 rows against x, two independent sums per row.</summary>
    static FourSums FourRows(Operands operands, float* w0)
    {
        int n = operands.Inputs, width = Vector<float>.Count, blocked = n - n % (2 * width);
        float* w1 = w0 + n, w2 = w1 + n, w3 = w2 + n, x = operands.X;
        byte* ahead = (byte*)(w0 + 4L * n); // as for bfloat16 rows: each step requests its share of the next four rows
        Vector<float> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default, a3 = default, b3 = default;
        for (int i = 0; i < blocked; i += 2 * width)
        {
            Prefetch(ahead + i * 16L, 2 * width * 16);
            Vector<float> xa = Vector.Load(x + i), xb = Vector.Load(x + i + width);
            a0 = Vector.FusedMultiplyAdd(xa, Vector.Load(w0 + i), a0);
            b0 = Vector.FusedMultiplyAdd(xb, Vector.Load(w0 + i + width), b0);
            a1 = Vector.FusedMultiplyAdd(xa, Vector.Load(w1 + i), a1);
            b1 = Vector.FusedMultiplyAdd(xb, Vector.Load(w1 + i + width), b1);
            a2 = Vector.FusedMultiplyAdd(xa, Vector.Load(w2 + i), a2);
            b2 = Vector.FusedMultiplyAdd(xb, Vector.Load(w2 + i + width), b2);
            a3 = Vector.FusedMultiplyAdd(xa, Vector.Load(w3 + i), a3);
            b3 = Vector.FusedMultiplyAdd(xb, Vector.Load(w3 + i + width), b3);
        }
        return new FourSums(
            Vector.Sum(a0 + b0) + Tail(x, w0, blocked, n),
            Vector.Sum(a1 + b1) + Tail(x, w1, blocked, n),
            Vector.Sum(a2 + b2) + Tail(x, w2, blocked, n),
            Vector.Sum(a3 + b3) + Tail(x, w3, blocked, n));
    }

    /// <summary>Asks for the cache lines of [start, start + bytes) ahead of use (a hint; never faults).</summary>
    static void Prefetch(byte* start, int bytes)
    {
        if (!Sse.IsSupported) return;
        for (int line = 0; line < bytes; line += 64) Sse.Prefetch0(start + line);
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
