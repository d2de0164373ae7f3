using TorchSharp;
using static TorchSharp.torch;

namespace Twinforge.Engine.Models;

/// <summary>
/// Multi-head causal self-attention with optional grouped-query heads and rotary positions. GPT-2 computes q, k, v
/// with one fused projection (c_attn); Llama-style models with three (q_proj, k_proj, v_proj).
/// </summary>
public sealed class CausalSelfAttention : nn.Module
{
    readonly Projection? fusedQkv;
    readonly Projection? query;
    readonly Projection? key;
    readonly Projection? value;
    readonly Projection output;
    readonly int headCount;
    readonly int keyValueHeadCount;
    readonly int headDimension;
    double dropout;

    public CausalSelfAttention(TransformerConfig config, ScalarType dtype) : base("attention")
    {
        var names = ModuleNames.For(config.Family);
        headCount = config.HeadCount;
        keyValueHeadCount = config.KeyValueHeadCount;
        headDimension = config.HeadDimension;
        dropout = config.AttentionDropout;
        int queryWidth = headCount * headDimension, keyValueWidth = keyValueHeadCount * headDimension;
        if (names.FusedQkv is string fusedName)
        {
            fusedQkv = new Projection(fusedName, config.HiddenSize, queryWidth + 2 * keyValueWidth, config.QkvBias, WeightLayout.InputsByOutputs, dtype);
            output = new Projection(names.AttentionOutput, queryWidth, config.HiddenSize, config.OutputProjectionBias, WeightLayout.InputsByOutputs, dtype);
            register_module(fusedName, fusedQkv);
        }
        else
        {
            query = new Projection(names.Query, config.HiddenSize, queryWidth, config.QkvBias, WeightLayout.OutputsByInputs, dtype);
            key = new Projection(names.Key, config.HiddenSize, keyValueWidth, config.QkvBias, WeightLayout.OutputsByInputs, dtype);
            value = new Projection(names.Value, config.HiddenSize, keyValueWidth, config.QkvBias, WeightLayout.OutputsByInputs, dtype);
            output = new Projection(names.AttentionOutput, queryWidth, config.HiddenSize, config.OutputProjectionBias, WeightLayout.OutputsByInputs, dtype);
            register_module(names.Query, query);
            register_module(names.Key, key);
            register_module(names.Value, value);
        }
        register_module(names.AttentionOutput, output);
    }

    public IEnumerable<Projection> Projections =>
        new[] { fusedQkv, query, key, value, output }.OfType<Projection>();

    // GPT-2's fused c_attn, or Llama's q_proj, k_proj and v_proj: an inference session runs them from its own copies.
    internal Projection? FusedQkv => fusedQkv;
    internal Projection? Query => query;
    internal Projection? Key => key;
    internal Projection? Value => value;
    internal Projection OutputProjection => output;

    /// <summary>Dropout on the attention probabilities (training only).</summary>
    internal double Dropout
    {
        get => dropout;
        set => dropout = value;
    }

    /// <summary>(B, T, C) → (B, T, C).</summary>
    internal Tensor Forward(Tensor hidden, AttentionInputs inputs)
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = fusedQkv is not null
            ? SplitFused(fusedQkv.forward(hidden))
            : (query!.forward(hidden), key!.forward(hidden), value!.forward(hidden));
        (q, k, v) = ToHeads(q, k, v, inputs);
        return output.forward(Attend(q, k, v, inputs)).MoveToOuterDisposeScope();
    }

    /// <summary>GPT-2's fused (B, T, (heads + 2·kv heads)·d) projection → its query, key and value parts.</summary>
    internal (Tensor Q, Tensor K, Tensor V) SplitFused(Tensor qkv)
    {
        var parts = qkv.split([headCount * headDimension, keyValueHeadCount * headDimension, keyValueHeadCount * headDimension], -1);
        return (parts[0], parts[1], parts[2]);
    }

    /// <summary>(B, T, heads·d) → (B, heads, T, d) each, queries and keys rotated for rotary families.</summary>
    internal (Tensor Q, Tensor K, Tensor V) ToHeads(Tensor q, Tensor k, Tensor v, AttentionInputs inputs)
    {
        long batch = q.shape[0], time = q.shape[1];
        q = q.view(batch, time, headCount, headDimension).transpose(1, 2);
        k = k.view(batch, time, keyValueHeadCount, headDimension).transpose(1, 2);
        v = v.view(batch, time, keyValueHeadCount, headDimension).transpose(1, 2);
        if (inputs.RotaryCos is not null)
        {
            q = RotaryEmbedding.Apply(q, inputs.RotaryCos, inputs.RotarySin!);
            k = RotaryEmbedding.Apply(k, inputs.RotaryCos, inputs.RotarySin!);
        }
        return (q, k, v);
    }

    /// <summary>
    /// softmax(q kᵀ / √d + mask) · v for queries (B, heads, T, d) over keys and values (B, kv heads, S, d), heads
    /// merged: (B, T, heads·d).
    /// </summary>
    internal Tensor Attend(Tensor q, Tensor k, Tensor v, AttentionInputs inputs)
    {
        using var scope = NewDisposeScope();
        long batch = q.shape[0], time = q.shape[2];
        if (keyValueHeadCount != headCount)
        {
            // Grouped-query attention: each key/value head serves headCount / keyValueHeadCount query heads.
            int group = headCount / keyValueHeadCount;
            k = RepeatHeads(k, group);
            v = RepeatHeads(v, group);
        }
        var attended = training && dropout > 0
            ? AttendWithDropout(q, k, v, inputs)
            : nn.functional.scaled_dot_product_attention(q, k, v, inputs.Mask, 0.0, inputs.IsCausal);
        return attended.transpose(1, 2).reshape(batch, time, headCount * headDimension).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// softmax(q kᵀ / √d + mask) with dropout on the probabilities, then · v: (B, h, T, d) each. Written out because
    /// the fused attention draws its dropout masks from libtorch's process-wide generator, not the model's.
    /// </summary>
    Tensor AttendWithDropout(Tensor q, Tensor k, Tensor v, AttentionInputs inputs)
    {
        using var scope = NewDisposeScope();
        long queries = q.shape[2], keys = k.shape[2];
        var scores = matmul(q, k.transpose(-2, -1)).TimesInPlace(1.0 / Math.Sqrt(headDimension)); // (B, h, T, S)
        var allowed = inputs.Mask ?? (inputs.IsCausal ? ones(queries, keys, ScalarType.Bool, q.device).tril() : null);
        // The dtype's lowest finite value, not −∞: a query with no key to attend to (padding) gets finite weights, not NaN.
        if (allowed is not null) scores = scores.FilledWhere(allowed.logical_not(), finfo(scores.dtype).min);
        var probabilities = inputs.Randomness.Apply(scores.softmax(-1), dropout);
        return matmul(probabilities, v).MoveToOuterDisposeScope();
    }

    static Tensor RepeatHeads(Tensor x, int group)
    {
        long batch = x.shape[0], heads = x.shape[1], length = x.shape[2], dimension = x.shape[3];
        return x.unsqueeze(2).expand(batch, heads, group, length, dimension).reshape(batch, heads * group, length, dimension);
    }
}
