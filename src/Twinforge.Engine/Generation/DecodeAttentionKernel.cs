using System.Buffers;
using System.Numerics;
using System.Runtime.Intrinsics.X86;
using TorchSharp;
using static TorchSharp.torch;

namespace Twinforge.Engine.Generation;

/// <summary>
/// Attention of one new query per stream over a <see cref="KeyValueCache"/>'s storage, on the CPU, in one pass per
/// (stream, head): scores, softmax and the weighted sum of values in float32 registers, read straight from the
/// cache's bfloat16 or float32 memory. It is what scaled-dot-product attention computes for a single query, with its
/// default 1/√d scale; grouped-query heads read their shared key/value head in place, without repeating it.
/// </summary>
/// <remarks>
/// Why: decoding 16 streams of GPT-2 124M, libtorch's scaled_dot_product_attention over the cache took 7 ms per step
/// at 65 cached positions and 20 ms at 191 (bf16; more than every projection together), because a one-row query
/// per head makes 192 tiny products per layer whose fixed costs dominate. Here the work is one pass over the cached
/// keys and values, which is what bounds it. Each (stream, head) is independent, so the split across cores does
/// not change the result, and a stream's result does not depend on the batch it is decoded in.
/// </remarks>
internal static unsafe class DecodeAttentionKernel
{
    /// <summary>Scores of up to this many positions live on the stack; longer contexts rent an array.</summary>
    const int StackScores = 2048;

    /// <summary>
    /// True when <see cref="Attend"/> can serve this step: one query position, float32 or bfloat16 on the CPU, the
    /// cache storage contiguous in the query's dtype, and a boolean mask (or none).
    /// </summary>
    public static bool Supports(Tensor query, Tensor keyStorage, Tensor valueStorage, Tensor? mask) =>
        query.device_type == DeviceType.CPU && query.shape[2] == 1 &&
        (query.dtype == ScalarType.BFloat16 || query.dtype == ScalarType.Float32) &&
        keyStorage.dtype == query.dtype && valueStorage.dtype == query.dtype &&
        keyStorage.is_contiguous() && valueStorage.is_contiguous() &&
        (mask is null || mask.dtype == ScalarType.Bool);

    /// <summary>
    /// softmax(q·Kᵀ/√d + mask)·V for query (B, H, 1, d) over the first <paramref name="length"/> positions of the
    /// storage (B, kv heads, capacity, d); the mask, if any, broadcasts to (B, H, 1, length) with true where a key
    /// may be attended to. Returns (B, 1, H·d), heads merged, in the query's dtype. A query that may attend to no key
    /// gets zeros, as libtorch 2.10's scaled_dot_product_attention gives on the CPU.
    /// </summary>
    public static Tensor Attend(Tensor query, Tensor keyStorage, Tensor valueStorage, int length, Tensor? mask)
    {
        using var scope = NewDisposeScope();
        long batch = query.shape[0], heads = query.shape[1], dimension = query.shape[3];
        long keyValueHeads = keyStorage.shape[1], capacity = keyStorage.shape[2];
        if (keyStorage.shape[0] != batch || keyStorage.shape[3] != dimension || !keyStorage.shape.SequenceEqual(valueStorage.shape))
            throw new ArgumentException($"key/value storage of shape [{string.Join(", ", keyStorage.shape)}] does not fit a query of shape [{string.Join(", ", query.shape)}]");
        if (heads % keyValueHeads != 0) throw new ArgumentException($"{heads} query heads cannot share {keyValueHeads} key/value heads");
        if (length < 1 || length > capacity) throw new ArgumentOutOfRangeException(nameof(length), length, $"the storage holds {capacity} positions");

        var queries = query.reshape(batch * heads, dimension).to(ScalarType.Float32).contiguous();
        var allowed = mask?.expand(batch, heads, 1, length).reshape(batch * heads, length).contiguous();
        var output = empty([batch, 1, heads * dimension], query.dtype);
        var shape = new Shape(batch * heads, (int)heads, (int)(heads / keyValueHeads), (int)dimension, length, (int)capacity,
            1f / MathF.Sqrt(dimension), query.dtype == ScalarType.BFloat16);
        fixed (byte* q = queries.bytes, k = keyStorage.bytes, v = valueStorage.bytes, o = output.bytes)
        fixed (byte* m = allowed is null ? default : allowed.bytes)
        {
            var memory = new Memory((float*)q, k, v, o, (bool*)m);
            // One core: the pass is bound by reading the cache, which one core's stream nearly saturates here, and a
            // parallel loop would contend with libtorch's OpenMP workers, which spin between operations.
            for (long pair = 0; pair < shape.Pairs; pair++) AttendOne(memory, shape, pair);
        }
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One step of many streams that each have a cache of their own (a ragged batch): for each (row, cache) the row's
    /// new key and value, from (1, kv heads, N, d) <paramref name="keys"/> and <paramref name="values"/>, are stored at
    /// the cache's next position, and the row's query from (1, H, N, d) <paramref name="queries"/> attends over every
    /// position the cache then holds; its (H·d) result is written to that row of <paramref name="output"/> (1, N, H·d),
    /// contiguous, in the cache's dtype. The caches' lengths are not advanced (the caller advances them once every
    /// layer has stored its position). One call per layer instead of a dozen libtorch operations per stream.
    /// </summary>
    public static void AttendRows(Tensor queries, Tensor keys, Tensor values, IReadOnlyList<(int Row, KeyValueCache Cache)> rows, int layer, Tensor output)
    {
        if (rows.Count == 0) return;
        using var scope = NewDisposeScope();
        long heads = queries.shape[1], count = queries.shape[2], dimension = queries.shape[3], keyValueHeads = keys.shape[1];
        var dtype = rows[0].Cache.KeyStorage(layer).dtype;
        if (output.dtype != dtype || !output.is_contiguous() || output.shape[^1] != heads * dimension)
            throw new ArgumentException($"the output must be contiguous (1, N, {heads * dimension}) {dtype}", nameof(output));
        var rowQueries = queries.transpose(1, 2).to(ScalarType.Float32).contiguous();   // (1, N, H, d)
        var rowKeys = keys.transpose(1, 2).to(dtype).contiguous();                         // (1, N, kv heads, d)
        var rowValues = values.transpose(1, 2).to(dtype).contiguous();
        int elementSize = dtype == ScalarType.BFloat16 ? sizeof(ushort) : sizeof(float);
        long rowBytes = keyValueHeads * dimension * elementSize;
        fixed (byte* q = rowQueries.bytes, k = rowKeys.bytes, v = rowValues.bytes, o = output.bytes)
        {
            foreach (var (row, cache) in rows)
            {
                if (row < 0 || row >= count) throw new ArgumentOutOfRangeException(nameof(rows), row, $"the step has {count} rows");
                var keyStorage = cache.KeyStorage(layer);
                var valueStorage = cache.ValueStorage(layer);
                if (keyStorage.dtype != dtype || keyStorage.shape[0] != 1 || keyStorage.shape[1] != keyValueHeads || keyStorage.shape[3] != dimension)
                    throw new ArgumentException($"a cache of shape [{string.Join(", ", keyStorage.shape)}] {keyStorage.dtype} does not fit these rows");
                int position = cache.Length, capacity = (int)keyStorage.shape[2];
                if (position >= capacity)
                    throw new InvalidOperationException($"the key/value cache holds {capacity} positions; {position + 1} were needed");
                fixed (byte* keyMemory = keyStorage.bytes, valueMemory = valueStorage.bytes)
                {
                    // The new position of every kv head: storage (1, kv heads, capacity, d), the row (kv heads, d).
                    for (long head = 0; head < keyValueHeads; head++)
                    {
                        long target = ((head * capacity) + position) * dimension * elementSize, source = row * rowBytes + head * dimension * elementSize;
                        Buffer.MemoryCopy(k + source, keyMemory + target, dimension * elementSize, dimension * elementSize);
                        Buffer.MemoryCopy(v + source, valueMemory + target, dimension * elementSize, dimension * elementSize);
                    }
                    var shape = new Shape(heads, (int)heads, (int)(heads / keyValueHeads), (int)dimension, position + 1, capacity,
                        1f / MathF.Sqrt(dimension), dtype == ScalarType.BFloat16);
                    var memory = new Memory((float*)q + row * heads * dimension, keyMemory, valueMemory, o + row * heads * dimension * elementSize, null);
                    for (long pair = 0; pair < heads; pair++) AttendOne(memory, shape, pair);
                }
            }
        }
    }

    /// <summary>
    /// Heads [<paramref name="fromHead"/>, <paramref name="toHead"/>) of one stream's query (heads × d, float32) over
    /// the first <paramref name="length"/> positions of its cache storage (kv heads, capacity, d): each head's
    /// (d) result written to its place in <paramref name="output"/> (heads × d) in the cache's dtype. For
    /// <see cref="SingleTokenStep"/>, which keeps its own buffers; the keys and values must already be stored.
    /// </summary>
    internal static void AttendHeads(float* query, byte* keyStorage, byte* valueStorage, byte* output, int heads, int keyValueHeads,
        int dimension, int length, int capacity, bool bfloat16, int fromHead, int toHead)
    {
        var shape = new Shape(heads, heads, heads / keyValueHeads, dimension, length, capacity, 1f / MathF.Sqrt(dimension), bfloat16);
        var memory = new Memory(query, keyStorage, valueStorage, output, null);
        for (long pair = fromHead; pair < toHead; pair++) AttendOne(memory, shape, pair);
    }

    /// <summary>The sizes every (stream, head) pair shares.</summary>
    readonly record struct Shape(long Pairs, int Heads, int Group, int Dimension, int Length, int Capacity, float Scale, bool BFloat16)
    {
        public int ElementSize => BFloat16 ? sizeof(ushort) : sizeof(float);

        /// <summary>Where a (stream, head) pair's keys or values start, in elements from the storage's start.</summary>
        public long BlockOffset(long pair) => (pair / Heads * (Heads / Group) + pair % Heads / Group) * Capacity * Dimension;
    }

    /// <summary>Pointers to the operands.</summary>
    readonly struct Memory(float* queries, byte* keys, byte* values, byte* output, bool* allowed)
    {
        public float* Queries { get; } = queries;
        public byte* Keys { get; } = keys;
        public byte* Values { get; } = values;
        public byte* Output { get; } = output;
        public bool* Allowed { get; } = allowed;
    }

    static void AttendOne(Memory memory, Shape shape, long pair)
    {
        int d = shape.Dimension, length = shape.Length;
        byte* keys = memory.Keys + shape.BlockOffset(pair) * shape.ElementSize;
        byte* values = memory.Values + shape.BlockOffset(pair) * shape.ElementSize;
        // Reading the cache is what bounds this kernel, and a block of a few kilobytes per pair is too short for the
        // hardware prefetcher to ramp up on: the scores pass requests this pair's values, the weighted sum the next
        // pair's keys, so each pass's memory is on its way while the one before computes.
        byte* nextKeys = pair + 1 < shape.Pairs ? memory.Keys + shape.BlockOffset(pair + 1) * shape.ElementSize : null;
        float* query = memory.Queries + pair * d;
        bool* allowed = memory.Allowed is null ? null : memory.Allowed + pair * length;

        float[]? rented = length > StackScores ? ArrayPool<float>.Shared.Rent(length) : null;
        Span<float> scoreSpan = rented is null ? stackalloc float[length] : rented.AsSpan(0, length);
        float* scaledQuery = stackalloc float[d];
        for (int i = 0; i < d; i++) scaledQuery[i] = query[i] * shape.Scale;
        float* queryEven = stackalloc float[(d + 1) / 2], queryOdd = stackalloc float[(d + 1) / 2];
        for (int i = 0; i < d; i++) (i % 2 == 0 ? queryEven : queryOdd)[i / 2] = scaledQuery[i];
        try
        {
            fixed (float* scores = scoreSpan)
            {
                if (shape.BFloat16) Scores(scaledQuery, queryEven, queryOdd, (ushort*)keys, d, length, scores, values);
                else Scores(scaledQuery, (float*)keys, d, length, scores, values);
                float max = float.NegativeInfinity;
                for (int t = 0; t < length; t++)
                {
                    if (allowed is not null && !allowed[t]) scores[t] = float.NegativeInfinity;
                    else if (scores[t] > max) max = scores[t];
                }
                float sum = Exponentiate(scoreSpan, max);
                float inverse = sum > 0 ? 1f / sum : 0f; // every key masked: zeros, as libtorch's SDPA gives
                if (shape.BFloat16)
                {
                    float* result = stackalloc float[d];
                    WeightedSum(scores, (ushort*)values, d, length, inverse, result, nextKeys);
                    ushort* target = (ushort*)memory.Output + pair * d;
                    for (int i = 0; i < d; i++) target[i] = BFloat16Lanes.FromSingle(result[i]);
                }
                else
                {
                    WeightedSum(scores, (float*)values, d, length, inverse, (float*)memory.Output + pair * d, nextKeys);
                }
            }
        }
        finally
        {
            if (rented is not null) ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>scores ← exp(scores − max) in place; returns their sum (−∞ scores become 0).</summary>
    static float Exponentiate(Span<float> scores, float max)
    {
        if (float.IsNegativeInfinity(max))
        {
            scores.Clear();
            return 0;
        }
        int i = 0, width = Vector<float>.Count;
        var maxVector = new Vector<float>(max);
        var total = Vector<float>.Zero;
        fixed (float* s = scores)
        {
            for (; i <= scores.Length - width; i += width)
            {
                var e = Vector.Exp(Vector.Load(s + i) - maxVector);
                e.Store(s + i);
                total += e;
            }
        }
        float sum = Vector.Sum(total);
        for (; i < scores.Length; i++)
        {
            scores[i] = MathF.Exp(scores[i] - max);
            sum += scores[i];
        }
        return sum;
    }

    // Scores take four keys at a time with independent sums, and the weighted sum keeps a block of output lanes in
    // registers across all positions. Measured on GPT-2 124M, 16 streams, 129 positions: these loops alone read the
    // cache at ~7 GB/s (the same as a plain row-at-a-time loop: it is memory latency, not arithmetic); with the
    // prefetching of AttendOne, ~16 GB/s, near what one core streams here (~19 GB/s).

    /// <summary>scores[t] = q · K[t] for t &lt; length, keys stored row after row (float32).</summary>
    static void Scores(float* query, float* keys, int d, int length, float* scores, byte* ahead)
    {
        int t = 0, width = Vector<float>.Count, blocked = d - d % width;
        for (; t + 4 <= length; t += 4)
        {
            float* k0 = keys + (long)t * d, k1 = k0 + d, k2 = k1 + d, k3 = k2 + d;
            Prefetch(ahead, (long)t * d * sizeof(float), 4 * d * sizeof(float));
            Vector<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (int i = 0; i < blocked; i += width)
            {
                var q = Vector.Load(query + i);
                s0 = Vector.FusedMultiplyAdd(q, Vector.Load(k0 + i), s0);
                s1 = Vector.FusedMultiplyAdd(q, Vector.Load(k1 + i), s1);
                s2 = Vector.FusedMultiplyAdd(q, Vector.Load(k2 + i), s2);
                s3 = Vector.FusedMultiplyAdd(q, Vector.Load(k3 + i), s3);
            }
            scores[t] = Vector.Sum(s0) + Tail(query, k0, blocked, d);
            scores[t + 1] = Vector.Sum(s1) + Tail(query, k1, blocked, d);
            scores[t + 2] = Vector.Sum(s2) + Tail(query, k2, blocked, d);
            scores[t + 3] = Vector.Sum(s3) + Tail(query, k3, blocked, d);
        }
        for (; t < length; t++) scores[t] = Tail(query, keys + (long)t * d, 0, d);
    }

    /// <summary>
    /// scores[t] = q · K[t] for t &lt; length, keys stored row after row (bfloat16), taken as even and odd elements
    /// (see <see cref="BFloat16Lanes"/>) against <paramref name="queryEven"/> and <paramref name="queryOdd"/>, the
    /// query's even and odd elements.
    /// </summary>
    static void Scores(float* query, float* queryEven, float* queryOdd, ushort* keys, int d, int length, float* scores, byte* ahead)
    {
        int t = 0, width = Vector<uint>.Count, blocked = d - d % (2 * width);
        for (; t + 4 <= length; t += 4)
        {
            ushort* k0 = keys + (long)t * d, k1 = k0 + d, k2 = k1 + d, k3 = k2 + d;
            Prefetch(ahead, (long)t * d * sizeof(ushort), 4 * d * sizeof(ushort));
            Vector<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (int i = 0; i < blocked; i += 2 * width)
            {
                Vector<float> even = Vector.Load(queryEven + i / 2), odd = Vector.Load(queryOdd + i / 2);
                s0 = Accumulate(s0, even, odd, Vector.Load((uint*)(k0 + i)));
                s1 = Accumulate(s1, even, odd, Vector.Load((uint*)(k1 + i)));
                s2 = Accumulate(s2, even, odd, Vector.Load((uint*)(k2 + i)));
                s3 = Accumulate(s3, even, odd, Vector.Load((uint*)(k3 + i)));
            }
            scores[t] = Vector.Sum(s0) + Tail(query, k0, blocked, d);
            scores[t + 1] = Vector.Sum(s1) + Tail(query, k1, blocked, d);
            scores[t + 2] = Vector.Sum(s2) + Tail(query, k2, blocked, d);
            scores[t + 3] = Vector.Sum(s3) + Tail(query, k3, blocked, d);
        }
        for (; t < length; t++) scores[t] = Tail(query, keys + (long)t * d, 0, d);
    }

    static Vector<float> Accumulate(Vector<float> sum, Vector<float> even, Vector<float> odd, Vector<uint> pairs) =>
        Vector.FusedMultiplyAdd(odd, BFloat16Lanes.High(pairs), Vector.FusedMultiplyAdd(even, BFloat16Lanes.Low(pairs), sum));

    /// <summary>Asks for the cache lines of [block + offset, block + offset + bytes) ahead of use (a hint; never faults).</summary>
    static void Prefetch(byte* block, long offset, int bytes)
    {
        if (block is null || !Sse.IsSupported) return;
        for (int line = 0; line < bytes; line += 64) Sse.Prefetch0(block + offset + line);
    }

    static float Tail(float* query, float* row, int from, int d)
    {
        float sum = 0;
        for (int i = from; i < d; i++) sum += query[i] * row[i];
        return sum;
    }

    static float Tail(float* query, ushort* row, int from, int d)
    {
        float sum = 0;
        for (int i = from; i < d; i++) sum += query[i] * BFloat16Lanes.ToSingle(row[i]);
        return sum;
    }

    /// <summary>result = scale · Σₜ weights[t] · V[t] (float32 values), skipping zero weights (masked keys).</summary>
    static void WeightedSum(float* weights, float* values, int d, int length, float scale, float* result, byte* ahead)
    {
        int width = Vector<float>.Count, block = 4 * width, i = 0;
        for (; i + block <= d; i += block)
        {
            Vector<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int t = 0; t < length; t++)
            {
                if (i == 0) Prefetch(ahead, (long)t * d * sizeof(float), d * sizeof(float));
                float weight = weights[t];
                if (weight == 0) continue;
                var w = new Vector<float>(weight);
                float* row = values + (long)t * d + i;
                a0 = Vector.FusedMultiplyAdd(w, Vector.Load(row), a0);
                a1 = Vector.FusedMultiplyAdd(w, Vector.Load(row + width), a1);
                a2 = Vector.FusedMultiplyAdd(w, Vector.Load(row + 2 * width), a2);
                a3 = Vector.FusedMultiplyAdd(w, Vector.Load(row + 3 * width), a3);
            }
            var s = new Vector<float>(scale);
            (a0 * s).Store(result + i);
            (a1 * s).Store(result + i + width);
            (a2 * s).Store(result + i + 2 * width);
            (a3 * s).Store(result + i + 3 * width);
        }
        for (; i < d; i++)
        {
            float sum = 0;
            for (int t = 0; t < length; t++) sum += weights[t] == 0 ? 0 : weights[t] * values[(long)t * d + i];
            result[i] = sum * scale;
        }
    }

    /// <summary>
    /// result = scale · Σₜ weights[t] · V[t] (bfloat16 values), skipping zero weights (masked keys); the values are
    /// taken as even and odd elements as in <see cref="Scores(float*, float*, float*, ushort*, int, int, float*, byte*)"/>.
    /// </summary>
    static void WeightedSum(float* weights, ushort* values, int d, int length, float scale, float* result, byte* ahead)
    {
        int width = Vector<uint>.Count, block = 4 * width, i = 0; // block: bfloat16 elements per pass (two lanes each)
        float* even = stackalloc float[2 * width], odd = stackalloc float[2 * width];
        for (; i + block <= d; i += block)
        {
            Vector<float> e0 = default, o0 = default, e1 = default, o1 = default;
            for (int t = 0; t < length; t++)
            {
                if (i == 0) Prefetch(ahead, (long)t * d * sizeof(ushort), d * sizeof(ushort));
                float weight = weights[t];
                if (weight == 0) continue;
                var w = new Vector<float>(weight);
                uint* row = (uint*)(values + (long)t * d + i);
                Vector<uint> p0 = Vector.Load(row), p1 = Vector.Load(row + width);
                e0 = Vector.FusedMultiplyAdd(w, BFloat16Lanes.Low(p0), e0);
                o0 = Vector.FusedMultiplyAdd(w, BFloat16Lanes.High(p0), o0);
                e1 = Vector.FusedMultiplyAdd(w, BFloat16Lanes.Low(p1), e1);
                o1 = Vector.FusedMultiplyAdd(w, BFloat16Lanes.High(p1), o1);
            }
            e0.Store(even);
            e1.Store(even + width);
            o0.Store(odd);
            o1.Store(odd + width);
            for (int lane = 0; lane < 2 * width; lane++)
            {
                result[i + 2 * lane] = even[lane] * scale;
                result[i + 2 * lane + 1] = odd[lane] * scale;
            }
        }
        for (; i < d; i++)
        {
            float sum = 0;
            for (int t = 0; t < length; t++) sum += weights[t] == 0 ? 0 : weights[t] * BFloat16Lanes.ToSingle(values[(long)t * d + i]);
            result[i] = sum * scale;
        }
    }
}
