using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;
using Twinforge.Engine.Lora;
using static TorchSharp.torch;

namespace Twinforge.Engine.Generation;

/// <summary>
/// y[row] += scaling · B·(A·x[row]) for single rows that each have their own adapter, on the CPU, in one call per
/// projection: the low-rank half of a decoding step that serves many twins (Punica's and S-LoRA's "BGMV", gather
/// and matrix-vector per row). Factors, input and output share a dtype, float32 or bfloat16; sums are float32.
/// </summary>
/// <remarks>
/// Why: decoding 16 streams for 16 twins, the delta per projection and twin was five libtorch operations on one row
/// (narrow, two products, scale, add), 16 × 48 × 5 ≈ 3,800 dispatches a step, each costing more than its
/// arithmetic. Here a row costs what reading its factors costs (rank 16 on GPT-2 124M: 4.7 MB of bf16 factors per
/// twin and token). Rows are independent, so splitting them across cores does not change a result.
/// </remarks>
internal static unsafe class LowRankDeltaKernel
{
    /// <summary>Below this many multiply-adds a call runs on one core: splitting would cost more than it saves.</summary>
    const long ParallelWork = 256 * 1024;

    /// <summary>True when <see cref="AddRows"/> can serve these operands.</summary>
    public static bool Supports(Tensor input, Tensor result, LowRankFactors factors) =>
        input.device_type == DeviceType.CPU && result.device_type == DeviceType.CPU && factors.A.device_type == DeviceType.CPU &&
        (input.dtype == ScalarType.Float32 || input.dtype == ScalarType.BFloat16) &&
        result.dtype == input.dtype && factors.A.dtype == input.dtype && factors.BTransposed.dtype == input.dtype &&
        input.is_contiguous() && result.is_contiguous() && factors.A.is_contiguous() && factors.BTransposed.is_contiguous();

    /// <summary>
    /// For each (row, factors): result[row] += factors.Scaling · B·(A·input[row]), where input is (…, in) and result
    /// (…, out) seen as rows; in place.
    /// </summary>
    public static void AddRows(Tensor input, Tensor result, IReadOnlyList<(int Row, LowRankFactors Factors)> rows)
    {
        if (rows.Count == 0) return;
        foreach (var (_, factors) in rows)
            if (!Supports(input, result, factors))
                throw new ArgumentException($"a low-rank delta over input {input.dtype} [{string.Join(", ", input.shape)}] with factors {factors.A.dtype} is not supported");
        int inputs = (int)input.shape[^1], outputs = (int)result.shape[^1];
        bool bfloat16 = input.dtype == ScalarType.BFloat16;
        int elementSize = bfloat16 ? sizeof(ushort) : sizeof(float);
        // Raw pointers: the tensors stay alive (rows holds their factors) until the call returns.
        var pins = rows.Select(entry => (A: (long)PointerOf(entry.Factors.A), B: (long)PointerOf(entry.Factors.BTransposed), entry.Factors.Rank, entry.Factors.Scaling)).ToArray();
        byte* x = PointerOf(input), y = PointerOf(result);
        long work = rows.Sum(entry => (long)entry.Factors.Rank * (inputs + outputs));
        void One(int index)
        {
            var (a, b, rank, scaling) = pins[index];
            int row = rows[index].Row;
            AddRow(x + (long)row * inputs * elementSize, (byte*)a, (byte*)b, y + (long)row * outputs * elementSize,
                inputs, outputs, rank, (float)scaling, bfloat16);
        }
        if (work < ParallelWork || rows.Count == 1 || Environment.ProcessorCount == 1)
            for (int index = 0; index < rows.Count; index++) One(index);
        else Parallel.For(0, rows.Count, One);
        GC.KeepAlive(rows);
    }

    /// <summary>The tensor's data: native memory, which the garbage collector never moves, so no pinning is needed.</summary>
    static byte* PointerOf(Tensor tensor) => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(tensor.bytes));

    static void AddRow(byte* x, byte* a, byte* bTransposed, byte* y, int inputs, int outputs, int rank, float scaling, bool bfloat16)
    {
        var rented = ArrayPool<float>.Shared.Rent(rank + outputs + 2);
        try
        {
            fixed (float* scratch = rented)
            {
                float* low = scratch;                  // A·x, the rank-r intermediate
                float* sums = scratch + rank;          // Bᵀ's rows weighted by it: for bfloat16, even outputs then odd ones
                for (int k = 0; k < rank; k++)
                    low[k] = bfloat16 ? Dot((ushort*)a + (long)k * inputs, (ushort*)x, inputs) : Dot((float*)a + (long)k * inputs, (float*)x, inputs);
                new Span<float>(sums, outputs).Clear();
                if (bfloat16)
                {
                    int half = (outputs + 1) / 2, blocked = WeightRows((ushort*)bTransposed, low, rank, outputs, sums, sums + half);
                    for (int o = 0; o < outputs; o++)
                    {
                        float sum = o < blocked ? (o % 2 == 0 ? sums[o / 2] : sums[half + o / 2]) : Tail((ushort*)bTransposed, low, rank, outputs, o);
                        ushort* target = (ushort*)y + o;
                        *target = BFloat16Lanes.FromSingle(BFloat16Lanes.ToSingle(*target) + scaling * sum);
                    }
                }
                else
                {
                    for (int k = 0; k < rank; k++) Axpy(low[k], (float*)bTransposed + (long)k * outputs, sums, outputs);
                    Axpy(scaling, sums, (float*)y, outputs);
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Σₖ low[k]·Bᵀ[k, o] for bfloat16 rows of Bᵀ, as even outputs into <paramref name="even"/> and odd ones into
    /// <paramref name="odd"/> (see <see cref="BFloat16Lanes"/>); returns how many outputs were summed so (the rest are
    /// left to <see cref="Tail"/>).
    /// </summary>
    static int WeightRows(ushort* bTransposed, float* low, int rank, int outputs, float* even, float* odd)
    {
        int width = Vector<uint>.Count, blocked = outputs - outputs % (2 * width);
        for (int k = 0; k < rank; k++)
        {
            var weight = new Vector<float>(low[k]);
            ushort* row = bTransposed + (long)k * outputs;
            for (int o = 0; o < blocked; o += 2 * width)
            {
                var pairs = Vector.Load((uint*)(row + o));
                Vector.FusedMultiplyAdd(weight, BFloat16Lanes.Low(pairs), Vector.Load(even + o / 2)).Store(even + o / 2);
                Vector.FusedMultiplyAdd(weight, BFloat16Lanes.High(pairs), Vector.Load(odd + o / 2)).Store(odd + o / 2);
            }
        }
        return blocked;
    }

    static float Tail(ushort* bTransposed, float* low, int rank, int outputs, int output)
    {
        float sum = 0;
        for (int k = 0; k < rank; k++) sum += low[k] * BFloat16Lanes.ToSingle(bTransposed[(long)k * outputs + output]);
        return sum;
    }

    /// <summary>y += alpha · x over n float32 values.</summary>
    static void Axpy(float alpha, float* x, float* y, int n)
    {
        int width = Vector<float>.Count, i = 0;
        var a = new Vector<float>(alpha);
        for (; i + width <= n; i += width) Vector.FusedMultiplyAdd(a, Vector.Load(x + i), Vector.Load(y + i)).Store(y + i);
        for (; i < n; i++) y[i] += alpha * x[i];
    }

    /// <summary>Σ row[i]·x[i], float32.</summary>
    static float Dot(float* row, float* x, int n)
    {
        int width = Vector<float>.Count, i = 0;
        Vector<float> s0 = default, s1 = default;
        for (; i + 2 * width <= n; i += 2 * width)
        {
            s0 = Vector.FusedMultiplyAdd(Vector.Load(row + i), Vector.Load(x + i), s0);
            s1 = Vector.FusedMultiplyAdd(Vector.Load(row + i + width), Vector.Load(x + i + width), s1);
        }
        float sum = Vector.Sum(s0 + s1);
        for (; i < n; i++) sum += row[i] * x[i];
        return sum;
    }

    /// <summary>Σ row[i]·x[i] with both in bfloat16, taken as even and odd lanes (see <see cref="BFloat16Lanes"/>).</summary>
    static float Dot(ushort* row, ushort* x, int n)
    {
        int width = Vector<uint>.Count, i = 0;
        Vector<float> even = default, odd = default;
        for (; i + 2 * width <= n; i += 2 * width)
        {
            Vector<uint> w = Vector.Load((uint*)(row + i)), v = Vector.Load((uint*)(x + i));
            even = Vector.FusedMultiplyAdd(BFloat16Lanes.Low(w), BFloat16Lanes.Low(v), even);
            odd = Vector.FusedMultiplyAdd(BFloat16Lanes.High(w), BFloat16Lanes.High(v), odd);
        }
        float sum = Vector.Sum(even + odd);
        for (; i < n; i++) sum += BFloat16Lanes.ToSingle(row[i]) * BFloat16Lanes.ToSingle(x[i]);
        return sum;
    }
}
