using Twinforge.Engine.Models;

namespace Twinforge.Engine.Tests.Models;

/// <summary>
/// An independent forward pass of the same architectures in float64 with naive loops, written from the papers and
/// the Hugging Face modelling code, sharing nothing with the TorchSharp implementation but the weights' names.
/// </summary>
internal sealed class ReferenceTransformer(TransformerConfig config, IReadOnlyDictionary<string, double[]> weights)
{
    readonly int hidden = config.HiddenSize;
    readonly int heads = config.HeadCount;
    readonly int kvHeads = config.KeyValueHeadCount;
    readonly int headDim = config.HeadDimension;

    /// <summary>Logits [position][vocab] for one sequence.</summary>
    public double[][] Logits(IReadOnlyList<long> tokens)
    {
        bool gpt2 = config.Family == ModelFamily.Gpt2;
        string prefix = gpt2 ? "transformer." : "model.";
        var embedding = W(prefix + (gpt2 ? "wte.weight" : "embed_tokens.weight"));
        var h = new double[tokens.Count][];
        for (int t = 0; t < tokens.Count; t++)
        {
            h[t] = Row(embedding, (int)tokens[t], hidden);
            if (gpt2) Add(h[t], Row(W("transformer.wpe.weight"), t, hidden));
        }
        for (int layer = 0; layer < config.LayerCount; layer++)
            h = gpt2 ? Gpt2Block(h, $"transformer.h.{layer}.") : LlamaBlock(h, $"model.layers.{layer}.");
        var head = config.TieWordEmbeddings ? embedding : W("lm_head.weight");
        return h.Select(row =>
        {
            var normed = gpt2 ? LayerNorm(row, "transformer.ln_f.") : RmsNorm(row, "model.norm.weight");
            return MatVecOutIn(head, normed, config.VocabularySize, hidden, null);
        }).ToArray();
    }

    double[][] Gpt2Block(double[][] h, string p)
    {
        int T = h.Length;
        var q = new double[T][]; var k = new double[T][]; var v = new double[T][];
        for (int t = 0; t < T; t++)
        {
            var qkv = MatVecInOut(W(p + "attn.c_attn.weight"), LayerNorm(h[t], p + "ln_1."), hidden, 3 * hidden, W(p + "attn.c_attn.bias"));
            q[t] = qkv[..hidden]; k[t] = qkv[hidden..(2 * hidden)]; v[t] = qkv[(2 * hidden)..];
        }
        var attended = Attend(q, k, v);
        var result = new double[T][];
        for (int t = 0; t < T; t++)
        {
            var x = h[t].ToArray();
            Add(x, MatVecInOut(W(p + "attn.c_proj.weight"), attended[t], hidden, hidden, W(p + "attn.c_proj.bias")));
            var inner = MatVecInOut(W(p + "mlp.c_fc.weight"), LayerNorm(x, p + "ln_2."), hidden, config.IntermediateSize, W(p + "mlp.c_fc.bias"));
            for (int i = 0; i < inner.Length; i++) inner[i] = GeluTanh(inner[i]);
            Add(x, MatVecInOut(W(p + "mlp.c_proj.weight"), inner, config.IntermediateSize, hidden, W(p + "mlp.c_proj.bias")));
            result[t] = x;
        }
        return result;
    }

    double[][] LlamaBlock(double[][] h, string p)
    {
        int T = h.Length, kvWidth = kvHeads * headDim, qWidth = heads * headDim;
        var q = new double[T][]; var k = new double[T][]; var v = new double[T][];
        for (int t = 0; t < T; t++)
        {
            var a = RmsNorm(h[t], p + "input_layernorm.weight");
            q[t] = Rotate(MatVecOutIn(W(p + "self_attn.q_proj.weight"), a, qWidth, hidden, Bias(p + "self_attn.q_proj.bias")), t, heads);
            k[t] = Rotate(MatVecOutIn(W(p + "self_attn.k_proj.weight"), a, kvWidth, hidden, Bias(p + "self_attn.k_proj.bias")), t, kvHeads);
            v[t] = MatVecOutIn(W(p + "self_attn.v_proj.weight"), a, kvWidth, hidden, Bias(p + "self_attn.v_proj.bias"));
        }
        var attended = Attend(q, k, v);
        var result = new double[T][];
        for (int t = 0; t < T; t++)
        {
            var x = h[t].ToArray();
            Add(x, MatVecOutIn(W(p + "self_attn.o_proj.weight"), attended[t], hidden, qWidth, Bias(p + "self_attn.o_proj.bias")));
            var m = RmsNorm(x, p + "post_attention_layernorm.weight");
            var gate = MatVecOutIn(W(p + "mlp.gate_proj.weight"), m, config.IntermediateSize, hidden, null);
            var up = MatVecOutIn(W(p + "mlp.up_proj.weight"), m, config.IntermediateSize, hidden, null);
            for (int i = 0; i < gate.Length; i++) gate[i] = gate[i] / (1 + Math.Exp(-gate[i])) * up[i];
            Add(x, MatVecOutIn(W(p + "mlp.down_proj.weight"), gate, hidden, config.IntermediateSize, null));
            result[t] = x;
        }
        return result;
    }

    /// <summary>Causal softmax attention per head; query head i reads key/value head i / (heads / kvHeads).</summary>
    double[][] Attend(double[][] q, double[][] k, double[][] v)
    {
        int T = q.Length, group = heads / kvHeads;
        var output = new double[T][];
        for (int t = 0; t < T; t++)
        {
            output[t] = new double[heads * headDim];
            for (int head = 0; head < heads; head++)
            {
                int kvHead = head / group;
                var scores = new double[t + 1];
                for (int s = 0; s <= t; s++)
                {
                    double dot = 0;
                    for (int d = 0; d < headDim; d++) dot += q[t][head * headDim + d] * k[s][kvHead * headDim + d];
                    scores[s] = dot / Math.Sqrt(headDim);
                }
                double max = scores.Max(), sum = scores.Sum(x => Math.Exp(x - max));
                for (int s = 0; s <= t; s++)
                {
                    double weight = Math.Exp(scores[s] - max) / sum;
                    for (int d = 0; d < headDim; d++) output[t][head * headDim + d] += weight * v[s][kvHead * headDim + d];
                }
            }
        }
        return output;
    }

    /// <summary>Hugging Face rotate_half convention: dimension i pairs with i + d/2.</summary>
    double[] Rotate(double[] x, int position, int headCount)
    {
        var result = x.ToArray();
        int half = headDim / 2;
        for (int head = 0; head < headCount; head++)
        for (int i = 0; i < half; i++)
        {
            double frequency = 1.0 / Math.Pow(config.RopeTheta, 2.0 * i / headDim);
            double angle = position * frequency, cos = Math.Cos(angle), sin = Math.Sin(angle);
            double first = x[head * headDim + i], second = x[head * headDim + half + i];
            result[head * headDim + i] = first * cos - second * sin;
            result[head * headDim + half + i] = second * cos + first * sin;
        }
        return result;
    }

    double[] LayerNorm(double[] x, string prefix)
    {
        double mean = x.Average(), variance = x.Select(value => (value - mean) * (value - mean)).Average();
        var weight = W(prefix + "weight"); var bias = W(prefix + "bias");
        return x.Select((value, i) => (value - mean) / Math.Sqrt(variance + config.NormEpsilon) * weight[i] + bias[i]).ToArray();
    }

    double[] RmsNorm(double[] x, string weightName)
    {
        double rms = Math.Sqrt(x.Select(value => value * value).Average() + config.NormEpsilon);
        var weight = W(weightName);
        return x.Select((value, i) => value / rms * weight[i]).ToArray();
    }

    static double GeluTanh(double x) => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));

    /// <summary>y = W x + b with W stored (out, in), as torch.nn.Linear.</summary>
    static double[] MatVecOutIn(double[] w, double[] x, int outputs, int inputs, double[]? bias)
    {
        var y = new double[outputs];
        for (int o = 0; o < outputs; o++)
        {
            double sum = bias?[o] ?? 0;
            for (int i = 0; i < inputs; i++) sum += w[o * inputs + i] * x[i];
            y[o] = sum;
        }
        return y;
    }

    /// <summary>y = x W + b with W stored (in, out), as GPT-2's Conv1D.</summary>
    static double[] MatVecInOut(double[] w, double[] x, int inputs, int outputs, double[]? bias)
    {
        var y = bias?.ToArray() ?? new double[outputs];
        for (int i = 0; i < inputs; i++)
        for (int o = 0; o < outputs; o++) y[o] += x[i] * w[i * outputs + o];
        return y;
    }

    static double[] Row(double[] matrix, int row, int width) => matrix.AsSpan(row * width, width).ToArray();

    static void Add(double[] target, double[] addend)
    {
        for (int i = 0; i < target.Length; i++) target[i] += addend[i];
    }

    double[] W(string name) => weights.TryGetValue(name, out var w) ? w : throw new KeyNotFoundException($"reference needs tensor {name}");

    double[]? Bias(string name) => weights.GetValueOrDefault(name);
}
