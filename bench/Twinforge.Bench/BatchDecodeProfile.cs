using Twinforge.Engine.Generation;
using Twinforge.Engine.Models;
using static TorchSharp.torch;

namespace Twinforge.Bench;

/// <summary>
/// <c>twinforge-bench batch-decode-profile [fp32|bf16] [--streams N] [--past N]</c>: where one step of decoding N
/// streams together (GPT-2 124M after N cached positions, as <see cref="Twinforge.Engine.Generation.BatchTokenGenerator"/>
/// runs it) spends its time: the whole cached forward pass, then each kind of operation of that step alone, with
/// every layer's own weights and cache so nothing stays in the CPU's cache that would not in the model; attention
/// both through <see cref="DecodeAttentionKernel"/> (what an <see cref="InferenceSession"/> runs) and through libtorch's alternatives. The
/// rest is the difference.
/// </summary>
public static class BatchDecodeProfile
{
    public const string Usage = "batch-decode-profile [fp32|bf16] [--streams N] [--past N]   (where a batched decoding step's time goes)";

    public static int RunCommand(string[] args, TextWriter output)
    {
        var dtype = args.FirstOrDefault() == "fp32" ? ScalarType.Float32 : ScalarType.BFloat16;
        int streams = OptionValue(args, "--streams", 16);
        int past = OptionValue(args, "--past", 64);
        var config = TransformerConfig.Gpt2();
        using var model = new CausalLanguageModel(config, dtype);
        model.InitializeWeights(seed: 1);
        model.eval();
        using var noGrad = no_grad();

        double stepMs;
        using (var session = new InferenceSession(model))
        {
            session.Start(streams, capacity: past + 64);
            using (NewDisposeScope()) session.Forward(randint(0, config.VocabularySize, [streams, past]), lastPositionOnly: true);
            // Each timed step appends one position; 40 steps stay inside the capacity.
            stepMs = ProfileTimer.MedianMs(38, () => GreedyChoice.PerRow(session.Forward(randint(0, config.VocabularySize, [streams, 1]), lastPositionOnly: true)));
        }

        long c = config.HiddenSize, heads = config.HeadCount, d = config.HeadDimension;
        int layers = config.LayerCount;
        var shapes = new (long In, long Out)[] { (c, 3 * c), (c, c), (c, 4 * c), (4 * c, c) };
        var weights = Enumerable.Range(0, layers).SelectMany(_ => shapes.Select(shape => randn([shape.Out, shape.In], dtype: dtype))).ToList();
        var biases = Enumerable.Range(0, layers).SelectMany(_ => shapes.Select(shape => randn([shape.Out], dtype: dtype))).ToList();
        var inputs = Enumerable.Range(0, layers).SelectMany(_ => shapes.Select(shape => randn([streams, 1, shape.In], dtype: dtype))).ToList();
        double projections3d = ProfileTimer.MedianMs(20, () => inputs.Select((x, i) => nn.functional.linear(x, weights[i], biases[i])).ToList());
        double projections2d = ProfileTimer.MedianMs(20, () => inputs.Select((x, i) => nn.functional.linear(x.view(streams, -1), weights[i], biases[i])).ToList());
        double projectionsAddmm = ProfileTimer.MedianMs(20, () => inputs.Select((x, i) => addmm(biases[i], x.view(streams, -1), weights[i].t(), 1, 1)).ToList());

        using var head = randn([config.VocabularySize, c], dtype: dtype);
        using var hidden = randn([streams, 1, c], dtype: dtype);
        double headLinear = ProfileTimer.MedianMs(20, () => nn.functional.linear(hidden, head));
        double headTransposed = ProfileTimer.MedianMs(20, () => head.matmul(hidden.view(streams, c).t()));
        double headChunked = ProfileTimer.MedianMs(20, () => head.split(4096).Select(part => nn.functional.linear(hidden, part)).ToList());

        var norms = Enumerable.Range(0, 2 * layers).Select(_ => (Weight: ones([c], dtype), Bias: zeros([c], dtype))).ToList();
        double layerNorms = ProfileTimer.MedianMs(20, () => norms.Select(norm => nn.functional.layer_norm(hidden, [c], norm.Weight, norm.Bias, 1e-5)).ToList());
        var mlpInputs = Enumerable.Range(0, layers).Select(_ => randn([streams, 1, 4 * c], dtype: dtype)).ToList();
        double gelus = ProfileTimer.MedianMs(20, () => mlpInputs.Select(x => nn.functional.gelu(x, TorchSharp.Modules.GELU.Approximate.tanh)).ToList());
        double residuals = ProfileTimer.MedianMs(20, () => norms.Select(_ => hidden.add(hidden)).ToList());

        var keyStores = Enumerable.Range(0, layers).Select(_ => randn([streams, heads, past + 64, d], dtype: dtype)).ToList();
        var valueStores = Enumerable.Range(0, layers).Select(_ => randn([streams, heads, past + 64, d], dtype: dtype)).ToList();
        var query = randn([streams, 1, heads, d], dtype: dtype).transpose(1, 2);
        double attentionViews = ProfileTimer.MedianMs(20, () => keyStores.Select((keys, i) => nn.functional.scaled_dot_product_attention(
            query, keys.narrow(2, 0, past + 1), valueStores[i].narrow(2, 0, past + 1))).ToList());
        var keysContiguous = keyStores.Select(keys => keys.narrow(2, 0, past + 1).contiguous()).ToList();
        var valuesContiguous = valueStores.Select(values => values.narrow(2, 0, past + 1).contiguous()).ToList();
        double attentionContiguous = ProfileTimer.MedianMs(20, () => keysContiguous.Select((keys, i) => nn.functional.scaled_dot_product_attention(
            query, keys, valuesContiguous[i])).ToList());
        double attentionManual = ProfileTimer.MedianMs(20, () => keyStores.Select((keys, i) =>
            query.matmul(keys.narrow(2, 0, past + 1).transpose(2, 3)).mul_(1.0 / Math.Sqrt(d)).softmax(-1).matmul(valueStores[i].narrow(2, 0, past + 1))).ToList());
        double attentionKernel = ProfileTimer.MedianMs(20, () => keyStores.Select((keys, i) => DecodeAttentionKernel.Attend(query, keys, valueStores[i], past + 1, null)).ToList());
        double cacheMegabytes = keyStores.Concat(valueStores).Sum(t => t.NumberOfElements * t.ElementSize) / 1e6;
        double readMs = ProfileTimer.MedianMs(20, () => keyStores.Concat(valueStores).Sum(ReadAll));
        var newKeys = randn([streams, 1, heads, d], dtype: dtype).transpose(1, 2);
        double cacheStores = ProfileTimer.MedianMs(20, () =>
        {
            foreach (var (keys, values) in keyStores.Zip(valueStores))
            {
                using var keySlot = keys.narrow(2, past, 1);
                keySlot.copy_(newKeys);
                using var valueSlot = values.narrow(2, past, 1);
                valueSlot.copy_(newKeys);
            }
            return 0;
        });
        var qkv = randn([streams, 1, 3 * c], dtype: dtype);
        double splits = ProfileTimer.MedianMs(20, () => Enumerable.Range(0, layers).Select(_ =>
        {
            var parts = qkv.split([c, c, c], -1);
            return parts.Select(part => part.view(streams, 1, heads, d).transpose(1, 2)).ToList();
        }).ToList());

        double measured = projections3d + headLinear + layerNorms + gelus + residuals + attentionKernel + cacheStores + splits;
        output.WriteLine($"GPT-2 124M decoding {streams} streams together after {past} cached positions, {dtype}, {get_num_threads()} threads");
        output.WriteLine($"  whole step (forward + greedy choice):   {stepMs,7:F2} ms = {streams * 1000 / stepMs,6:F0} tok/s");
        output.WriteLine($"  projections, (B,1,C) input as the model: {projections3d,7:F2} ms   (2D input {projections2d:F2} ms, addmm {projectionsAddmm:F2} ms)");
        output.WriteLine($"  head 768 -> 50257, linear:               {headLinear,7:F2} ms   (W·hᵀ {headTransposed:F2} ms, 4096-row chunks {headChunked:F2} ms)");
        output.WriteLine($"  layer norms ({2 * layers}):                       {layerNorms,7:F2} ms");
        output.WriteLine($"  gelu ({layers}):                              {gelus,7:F2} ms");
        output.WriteLine($"  residual additions ({2 * layers}):                {residuals,7:F2} ms");
        output.WriteLine($"  attention, DecodeAttentionKernel ({layers}):  {attentionKernel,7:F2} ms   (SDPA over cache views {attentionViews:F2} ms, contiguous keys {attentionContiguous:F2} ms, matmul+softmax {attentionManual:F2} ms)");
        output.WriteLine($"    one core streaming all {cacheMegabytes:F0} MB of cache storage: {readMs:F2} ms = {cacheMegabytes / readMs:F1} GB/s; the kernel reads {(past + 1.0) / (past + 64):P0} of it");
        output.WriteLine($"  cache stores ({layers}):                      {cacheStores,7:F2} ms");
        output.WriteLine($"  qkv split and head views ({layers}):          {splits,7:F2} ms");
        output.WriteLine($"  the rest (embedding, final norm, dispatch): {stepMs - measured,7:F2} ms");
        return 0;
    }

    /// <summary>Sums a tensor's memory on one core with SIMD: what streaming it costs, the bound of a one-pass kernel.</summary>
    static unsafe float ReadAll(Tensor t)
    {
        fixed (byte* p = t.bytes)
        {
            var v = (System.Numerics.Vector<float>*)p;
            long n = t.NumberOfElements * t.ElementSize / System.Numerics.Vector<byte>.Count;
            System.Numerics.Vector<float> a = default, b = default;
            for (long i = 0; i + 1 < n; i += 2) { a += v[i]; b += v[i + 1]; }
            return System.Numerics.Vector.Sum(a + b);
        }
    }

    static int OptionValue(string[] args, string name, int fallback)
    {
        int index = Array.IndexOf(args, name);
        if (index < 0) return fallback;
        if (index + 1 >= args.Length || !int.TryParse(args[index + 1], out int value) || value < 1)
            throw new ArgumentException($"{name} needs a positive whole number");
        return value;
    }
}
