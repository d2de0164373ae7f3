using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;
using Twinforge.Engine.Lora;
using Twinforge.Engine.Models;
using static TorchSharp.torch;

namespace Twinforge.Engine.Generation;

/// <summary>
/// One stream's decoding step for one new token — embedding, every block, final norm and head — over raw memory in
/// C#, with float32 activations in buffers of its own, the session's weight copies read in place and the stream's
/// key/value cache written and attended in place; every product and the attention split across a <see cref="CoreTeam"/>.
/// What <see cref="InferenceSession.Forward"/> computes for a (1, 1) input, to float rounding: activations stay
/// float32 between operations where the libtorch path rounds each to the compute dtype.
/// </summary>
/// <remarks>
/// Why: a token of GPT-2 124M reads 250 MB of bfloat16 weights, ~7 ms at the rate llama.cpp reaches on the Zen 4; the
/// libtorch path spent another ~3.7 ms on about 25 tensor operations per block, each a few microseconds of dispatch for
/// a few hundred nanoseconds of arithmetic, and its thread-pool products woke the second core too late to help on a
/// layer's small matrices. Here a block is a handful of fork–joins with no allocation.
/// </remarks>
internal sealed unsafe class SingleTokenStep : IDisposable
{
    readonly CausalLanguageModel model;
    readonly TransformerConfig config;
    readonly CoreTeam team;
    readonly Layer[] layers;
    readonly Norm finalNorm;
    readonly Matrix head;
    readonly Table tokens;
    readonly Table? positions;
    readonly float[]? inverseFrequencies;
    readonly ScalarType cacheDType;
    readonly int hidden, queryWidth, keyValueWidth, intermediate, heads, keyValueHeads, headDimension;

    // Working memory, pinned for the life of the step (float32 activations; the attention's output in the cache's dtype).
    readonly float* residual, normed, normedEven, normedOdd, qkv, attended, attendedEven, attendedOdd, projected, up, gate, inner, innerEven, innerOdd, cos, sin;
    readonly byte* attendedInCacheDType;
    readonly List<float[]> buffers = [];

    // The piece the team runs now, and the delegates that run it (made once: a step allocates nothing).
    MatrixVectorKernel.Operands product;
    AttentionPiece attention;
    readonly Action<int, int> productPiece, attentionPiece;

    SingleTokenStep(CausalLanguageModel model, Func<Projection, (Tensor Weight, Tensor? Bias)> computeWeight, Tensor headWeight, ScalarType cacheDType)
    {
        this.model = model;
        config = model.Config;
        this.cacheDType = cacheDType;
        hidden = (int)config.HiddenSize;
        heads = config.HeadCount;
        keyValueHeads = config.KeyValueHeadCount;
        headDimension = config.HeadDimension;
        queryWidth = heads * headDimension;
        keyValueWidth = keyValueHeads * headDimension;
        intermediate = (int)config.IntermediateSize;
        Matrix MatrixOf(Projection projection)
        {
            var (weight, bias) = computeWeight(projection);
            return new Matrix(projection, weight, bias);
        }
        layers = model.Blocks.Select(block => new Layer(
            Norm.Of(block.AttentionNorm),
            block.Attention.FusedQkv is { } fused ? MatrixOf(fused) : null,
            block.Attention.Query is { } query ? MatrixOf(query) : null,
            block.Attention.Key is { } key ? MatrixOf(key) : null,
            block.Attention.Value is { } value ? MatrixOf(value) : null,
            MatrixOf(block.Attention.OutputProjection),
            Norm.Of(block.MlpNorm),
            block.Mlp.GateProjection is { } gateProjection ? MatrixOf(gateProjection) : null,
            MatrixOf(block.Mlp.UpProjection),
            MatrixOf(block.Mlp.DownProjection))).ToArray();
        finalNorm = Norm.Of(model.FinalNorm);
        head = model.LanguageModelHead is { } untied ? MatrixOf(untied) : new Matrix(null, headWeight, null);
        tokens = new Table(model.TokenEmbedding.weight);
        positions = model.PositionEmbedding is { } position ? new Table(position.weight) : null;
        inverseFrequencies = model.Rotary?.InverseFrequencies.ToArray();

        int widest = Math.Max(Math.Max(hidden, intermediate), queryWidth);
        residual = Buffer(hidden);
        normed = Buffer(widest);
        normedEven = Buffer(widest / 2 + 1);
        normedOdd = Buffer(widest / 2 + 1);
        qkv = Buffer(queryWidth + 2 * keyValueWidth);
        attended = Buffer(queryWidth);
        attendedEven = Buffer(queryWidth / 2 + 1);
        attendedOdd = Buffer(queryWidth / 2 + 1);
        attendedInCacheDType = (byte*)Buffer(queryWidth);
        projected = Buffer(hidden);
        up = Buffer(intermediate);
        gate = Buffer(intermediate);
        inner = Buffer(intermediate);
        innerEven = Buffer(intermediate / 2 + 1);
        innerOdd = Buffer(intermediate / 2 + 1);
        cos = Buffer(headDimension / 2 + 1);
        sin = Buffer(headDimension / 2 + 1);
        team = CoreTeam.ForMachine();
        productPiece = (part, parts) =>
        {
            var (from, to) = MatrixVectorKernel.Share(product.Outputs, part, parts);
            if (from < to) MatrixVectorKernel.Rows(product, from, to);
        };
        attentionPiece = (part, parts) =>
        {
            int from = heads * part / parts, to = heads * (part + 1) / parts;
            if (from < to)
                DecodeAttentionKernel.AttendHeads(qkv, attention.Keys, attention.Values, attendedInCacheDType, heads, keyValueHeads, headDimension,
                    attention.Length, attention.Capacity, cacheDType == ScalarType.BFloat16, from, to);
        };
    }

    /// <summary>
    /// A step for the session's weights, or null when this model cannot take it (a weight, table or norm on another
    /// device or in a dtype other than float32 and bfloat16, or a cache dtype other than those).
    /// </summary>
    public static SingleTokenStep? TryCreate(CausalLanguageModel model, Func<Projection, (Tensor Weight, Tensor? Bias)> computeWeight,
        Tensor? tiedHead, ScalarType cacheDType)
    {
        static bool Fits(Tensor? tensor) => tensor is null ||
            (tensor.device_type == DeviceType.CPU && tensor.is_contiguous() && (tensor.dtype == ScalarType.Float32 || tensor.dtype == ScalarType.BFloat16));
        if (cacheDType != ScalarType.Float32 && cacheDType != ScalarType.BFloat16) return null;
        if (model.LanguageModelHead is null && tiedHead is null) return null;
        var weights = model.NamedProjections().Select(named => computeWeight(named.Projection)).ToList();
        if (!weights.All(weight => Fits(weight.Weight) && Fits(weight.Bias) && (weight.Bias is null || weight.Bias.dtype == weight.Weight.dtype))) return null;
        var norms = model.Blocks.SelectMany(block => new[] { block.AttentionNorm, block.MlpNorm }).Append(model.FinalNorm).ToList();
        if (!norms.All(norm => norm is LayerNormalization layerNorm ? Fits(layerNorm.weight) && Fits(layerNorm.bias)
                                : norm is RmsNormalization rmsNorm && Fits(rmsNorm.weight))) return null;
        if (!Fits(model.TokenEmbedding.weight) || !Fits(model.PositionEmbedding?.weight) || !Fits(tiedHead)) return null;
        var config = model.Config;
        bool knownActivation = config.Family == ModelFamily.Gpt2
            ? config.Activation is "gelu" or "gelu_new" or "gelu_pytorch_tanh" or "gelu_fast"
            : config.Activation == "silu";
        return knownActivation ? new SingleTokenStep(model, computeWeight, tiedHead!, cacheDType) : null;
    }

    /// <summary>True when this step can decode into <paramref name="cache"/>: one stream, in the step's cache dtype, on the CPU.</summary>
    public bool Fits(KeyValueCache cache) =>
        cache.BatchSize == 1 && cache.KeyStorage(0).dtype == cacheDType && cache.KeyStorage(0).device_type == DeviceType.CPU;

    /// <summary>
    /// Feeds <paramref name="token"/> at the cache's next position: stores its keys and values there (the caller
    /// advances the cache) and returns the (1, 1, vocab) logits in the model's activation dtype. The adapter, if any,
    /// adds its low-rank delta to each projection it covers.
    /// </summary>
    public Tensor Step(long token, KeyValueCache cache, AdapterWeights? adapter)
    {
        int position = cache.Length;
        if (position >= cache.Capacity)
            throw new InvalidOperationException($"the key/value cache holds {cache.Capacity} positions; {position + 1} were needed");
        if (token < 0 || token >= tokens.Rows) throw new ArgumentOutOfRangeException(nameof(token), token, $"the vocabulary has {tokens.Rows} tokens");
        if (positions is { } table && position >= table.Rows)
            throw new ArgumentException($"sequence of {position + 1} tokens exceeds the model's {table.Rows} positions");

        tokens.Read(token, residual);
        if (positions is { } learned)
        {
            learned.Read(position, projected);
            Add(residual, projected, hidden);
        }
        if (inverseFrequencies is not null) Angles(position);
        for (int index = 0; index < layers.Length; index++)
        {
            var layer = layers[index];
            layer.AttentionNorm.Apply(residual, normed, hidden, config.NormEpsilon);
            MatrixVectorKernel.SplitEvenOdd(normed, hidden, normedEven, normedOdd);
            float* q = qkv, k = qkv + queryWidth, v = qkv + queryWidth + keyValueWidth;
            if (layer.FusedQkv is { } fused) Multiply(fused, normed, normedEven, normedOdd, qkv, adapter);
            else
            {
                Multiply(layer.Query!, normed, normedEven, normedOdd, q, adapter);
                Multiply(layer.Key!, normed, normedEven, normedOdd, k, adapter);
                Multiply(layer.Value!, normed, normedEven, normedOdd, v, adapter);
            }
            if (inverseFrequencies is not null)
            {
                Rotate(q, heads);
                Rotate(k, keyValueHeads);
            }
            Attend(cache, index, k, v, position);
            Multiply(layer.Output, attended, attendedEven, attendedOdd, projected, adapter);
            Add(residual, projected, hidden);

            layer.MlpNorm.Apply(residual, normed, hidden, config.NormEpsilon);
            MatrixVectorKernel.SplitEvenOdd(normed, hidden, normedEven, normedOdd);
            Multiply(layer.Up, normed, normedEven, normedOdd, up, adapter);
            if (layer.Gate is { } gateProjection)
            {
                Multiply(gateProjection, normed, normedEven, normedOdd, gate, adapter);
                SiluTimes(gate, up, inner, intermediate);
            }
            else if (config.Activation == "gelu")
                for (int i = 0; i < intermediate; i++) inner[i] = (float)(0.5 * up[i] * (1 + Erf(up[i] / Math.Sqrt(2))));
            else GeluTanh(up, inner, intermediate);
            MatrixVectorKernel.SplitEvenOdd(inner, intermediate, innerEven, innerOdd);
            Multiply(layer.Down, inner, innerEven, innerOdd, projected, adapter);
            Add(residual, projected, hidden);
        }
        finalNorm.Apply(residual, normed, hidden, config.NormEpsilon);
        MatrixVectorKernel.SplitEvenOdd(normed, hidden, normedEven, normedOdd);
        var logits = empty([1, 1, head.Outputs], model.ActivationDType);
        var output = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(logits.bytes));
        product = MatrixVectorKernel.Describe(normed, normedEven, normedOdd, head.Weight, head.BFloat16, head.Bias, output,
            model.ActivationDType == ScalarType.BFloat16, hidden, head.Outputs);
        team.Run(productPiece);
        return logits;
    }

    /// <summary>y = W·x + b (+ the adapter's scaling · B·A·x), float32 in and out, the rows split across the team.</summary>
    void Multiply(Matrix matrix, float* x, float* xEven, float* xOdd, float* y, AdapterWeights? adapter)
    {
        product = MatrixVectorKernel.Describe(x, xEven, xOdd, matrix.Weight, matrix.BFloat16, matrix.Bias, (byte*)y, false, matrix.Inputs, matrix.Outputs);
        team.Run(productPiece);
        if (adapter?.For(matrix.Projection!) is { } factors) AddLowRankDelta(factors, x, xEven, xOdd, y, matrix.Inputs, matrix.Outputs);
    }

    /// <summary>y += scaling · Bᵀᵀ·(A·x) for one row, factors A (r, in) and Bᵀ (r, out) in float32 or bfloat16.</summary>
    static void AddLowRankDelta(LowRankFactors factors, float* x, float* xEven, float* xOdd, float* y, int inputs, int outputs)
    {
        int rank = factors.Rank;
        bool bfloat16 = factors.A.dtype == ScalarType.BFloat16;
        float* low = stackalloc float[rank];
        var a = MatrixVectorKernel.Describe(x, xEven, xOdd, PointerOf(factors.A), bfloat16, null, (byte*)low, false, inputs, rank);
        MatrixVectorKernel.Rows(a, 0, rank);
        byte* bTransposed = PointerOf(factors.BTransposed);
        float scaling = (float)factors.Scaling;
        for (int k = 0; k < rank; k++)
        {
            float weight = scaling * low[k];
            if (bfloat16)
            {
                ushort* row = (ushort*)bTransposed + (long)k * outputs;
                for (int o = 0; o < outputs; o++) y[o] += weight * BFloat16Lanes.ToSingle(row[o]);
            }
            else
            {
                float* row = (float*)bTransposed + (long)k * outputs;
                for (int o = 0; o < outputs; o++) y[o] += weight * row[o];
            }
        }
    }

    /// <summary>Stores this position's keys and values in the cache, then every head's query attends over positions 0…position.</summary>
    void Attend(KeyValueCache cache, int layer, float* k, float* v, int position)
    {
        var keyStorage = cache.KeyStorage(layer);
        var valueStorage = cache.ValueStorage(layer);
        byte* keys = PointerOf(keyStorage), values = PointerOf(valueStorage);
        int capacity = cache.Capacity;
        bool bfloat16 = cacheDType == ScalarType.BFloat16;
        // Storage (1, kv heads, capacity, d): this position of each kv head.
        for (int head = 0; head < keyValueHeads; head++)
        {
            long offset = ((long)head * capacity + position) * headDimension;
            for (int i = 0; i < headDimension; i++)
            {
                float key = k[head * headDimension + i], value = v[head * headDimension + i];
                if (bfloat16)
                {
                    ((ushort*)keys)[offset + i] = BFloat16Lanes.FromSingle(key);
                    ((ushort*)values)[offset + i] = BFloat16Lanes.FromSingle(value);
                }
                else
                {
                    ((float*)keys)[offset + i] = key;
                    ((float*)values)[offset + i] = value;
                }
            }
        }
        attention = new AttentionPiece(keys, values, position + 1, capacity);
        team.Run(attentionPiece);
        for (int i = 0; i < queryWidth; i++)
            attended[i] = bfloat16 ? BFloat16Lanes.ToSingle(((ushort*)attendedInCacheDType)[i]) : ((float*)attendedInCacheDType)[i];
        MatrixVectorKernel.SplitEvenOdd(attended, queryWidth, attendedEven, attendedOdd);
    }

    /// <summary>cos and sin of position·inv_freq, the angle a float32 product as Hugging Face computes it.</summary>
    void Angles(int position)
    {
        for (int i = 0; i < inverseFrequencies!.Length; i++)
        {
            float angle = position * inverseFrequencies[i];
            cos[i] = (float)Math.Cos(angle);
            sin[i] = (float)Math.Sin(angle);
        }
    }

    /// <summary>Rotary positions in the rotate_half convention: pairs (i, i + d/2) of each head rotated by angle i.</summary>
    void Rotate(float* x, int headCount)
    {
        int half = headDimension / 2;
        for (int head = 0; head < headCount; head++)
        {
            float* h = x + head * headDimension;
            for (int i = 0; i < half; i++)
            {
                float first = h[i], second = h[i + half];
                h[i] = first * cos[i] - second * sin[i];
                h[i + half] = second * cos[i] + first * sin[i];
            }
        }
    }

    /// <summary>target = silu(gate) · up = gate / (1 + e^(−gate)) · up, vectorised.</summary>
    static void SiluTimes(float* gate, float* up, float* target, int count)
    {
        int i = 0, width = Vector<float>.Count;
        for (; i + width <= count; i += width)
        {
            var g = Vector.Load(gate + i);
            (g / (Vector<float>.One + Vector.Exp(-g)) * Vector.Load(up + i)).Store(target + i);
        }
        for (; i < count; i++) target[i] = gate[i] / (1f + MathF.Exp(-gate[i])) * up[i];
    }

    /// <summary>
    /// GPT-2's gelu_new: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), vectorised with tanh(u) = 1 − 2 / (e^(2u) + 1)
    /// (exact at both ends: e^(2u) overflows to ∞ or underflows to 0).
    /// </summary>
    static void GeluTanh(float* source, float* target, int count)
    {
        const float Root = 0.7978845608028654f; // √(2/π)
        int i = 0, width = Vector<float>.Count;
        var half = new Vector<float>(0.5f);
        var two = new Vector<float>(2f);
        for (; i + width <= count; i += width)
        {
            var x = Vector.Load(source + i);
            var u = new Vector<float>(Root) * (x + new Vector<float>(0.044715f) * x * x * x);
            var tanh = Vector<float>.One - two / (Vector.Exp(two * u) + Vector<float>.One);
            (half * x * (Vector<float>.One + tanh)).Store(target + i);
        }
        for (; i < count; i++)
        {
            double x = source[i];
            target[i] = (float)(0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))));
        }
    }

    static void Add(float* target, float* addend, int count)
    {
        for (int i = 0; i < count; i++) target[i] += addend[i];
    }

    /// <summary>erf(x) to float32 precision (Numerical Recipes' erfc by Chebyshev fit: fractional error below 1.2·10⁻⁷).</summary>
    static double Erf(double x)
    {
        double z = Math.Abs(x), t = 1 / (1 + 0.5 * z);
        double erfc = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
            t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? 1 - erfc : erfc - 1;
    }

    float* Buffer(int count)
    {
        var array = GC.AllocateArray<float>(Math.Max(1, count), pinned: true);
        buffers.Add(array);
        return (float*)Unsafe.AsPointer(ref array[0]);
    }

    /// <summary>The tensor's data: native memory, which the garbage collector never moves.</summary>
    static byte* PointerOf(Tensor tensor) => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(tensor.bytes));

    public void Dispose() => team.Dispose();

    readonly struct AttentionPiece(byte* keys, byte* values, int length, int capacity)
    {
        public byte* Keys { get; } = keys;
        public byte* Values { get; } = values;
        public int Length { get; } = length;
        public int Capacity { get; } = capacity;
    }

    /// <summary>A projection's weight (outputs × inputs) and bias as the session holds them; the tensors stay the session's.</summary>
    sealed class Matrix(Projection? projection, Tensor weight, Tensor? bias)
    {
        public Projection? Projection { get; } = projection;
        public byte* Weight { get; } = PointerOf(weight);
        public byte* Bias { get; } = bias is null ? null : PointerOf(bias);
        public bool BFloat16 { get; } = weight.dtype == ScalarType.BFloat16;
        public int Outputs { get; } = (int)weight.shape[0];
        public int Inputs { get; } = (int)weight.shape[1];
    }

    /// <summary>An embedding table (rows × C) in float32 or bfloat16, read one row at a time into float32.</summary>
    sealed class Table(Tensor weight)
    {
        readonly byte* data = PointerOf(weight);
        readonly bool bfloat16 = weight.dtype == ScalarType.BFloat16;
        readonly int width = (int)weight.shape[1];

        public long Rows { get; } = weight.shape[0];

        public void Read(long row, float* target)
        {
            for (int i = 0; i < width; i++)
                target[i] = bfloat16 ? BFloat16Lanes.ToSingle(((ushort*)data)[row * width + i]) : ((float*)data)[row * width + i];
        }
    }

    /// <summary>GPT-2's LayerNorm (weight and bias) or Llama's RMSNorm (weight), its parameters read in place.</summary>
    sealed class Norm(byte* weight, byte* bias, bool bfloat16, bool rootMeanSquare)
    {
        public static Norm Of(nn.Module<Tensor, Tensor> module) => module switch
        {
            LayerNormalization layerNorm => new Norm(PointerOf(layerNorm.weight), PointerOf(layerNorm.bias), layerNorm.weight.dtype == ScalarType.BFloat16, false),
            RmsNormalization rmsNorm => new Norm(PointerOf(rmsNorm.weight), null, rmsNorm.weight.dtype == ScalarType.BFloat16, true),
            _ => throw new ArgumentException($"no single-token step for the norm {module.GetType().Name}"),
        };

        float Parameter(byte* values, int i) => bfloat16 ? BFloat16Lanes.ToSingle(((ushort*)values)[i]) : ((float*)values)[i];

        /// <summary>target = norm(source) over <paramref name="count"/> values, statistics in float64.</summary>
        public void Apply(float* source, float* target, int count, double epsilon)
        {
            double mean = 0;
            if (!rootMeanSquare)
            {
                for (int i = 0; i < count; i++) mean += source[i];
                mean /= count;
            }
            double squares = 0;
            for (int i = 0; i < count; i++)
            {
                double centred = source[i] - mean;
                squares += centred * centred;
            }
            float scale = (float)(1 / Math.Sqrt(squares / count + epsilon));
            for (int i = 0; i < count; i++)
            {
                float value = (float)(source[i] - mean) * scale * Parameter(weight, i);
                target[i] = bias is null ? value : value + Parameter(bias, i);
            }
        }
    }

    sealed record Layer(Norm AttentionNorm, Matrix? FusedQkv, Matrix? Query, Matrix? Key, Matrix? Value, Matrix Output,
        Norm MlpNorm, Matrix? Gate, Matrix Up, Matrix Down);
}
