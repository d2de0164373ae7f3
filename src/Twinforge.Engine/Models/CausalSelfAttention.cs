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
    readonly int layerIndex;
    readonly int headCount;
    readonly int keyValueHeadCount;
    readonly int headDimension;
    double dropout;

    public CausalSelfAttention(TransformerConfig config, int layerIndex, ScalarType dtype) : base("attention")
    {
        var names = ModuleNames.For(config.Family);
        this.layerIndex = layerIndex;
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
        long batch = hidden.shape[0], time = hidden.shape[1];
        Tensor q, k, v;
        if (fusedQkv is not null)
        {
            var qkv = fusedQkv.forward(hidden);
            var parts = qkv.split([headCount * headDimension, keyValueHeadCount * headDimension, keyValueHeadCount * headDimension], -1);
            (q, k, v) = (parts[0], parts[1], parts[2]);
        }
        else
        {
            (q, k, v) = (query!.forward(hidden), key!.forward(hidden), value!.forward(hidden));
        }
        // (B, T, heads·d) -> (B, heads, T, d)
        q = q.view(batch, time, headCount, headDimension).transpose(1, 2);
        k = k.view(batch, time, keyValueHeadCount, headDimension).transpose(1, 2);
        v = v.view(batch, time, keyValueHeadCount, headDimension).transpose(1, 2);
        if (inputs.RotaryCos is not null)
        {
            q = RotaryEmbedding.Apply(q, inputs.RotaryCos, inputs.RotarySin!);
            k = RotaryEmbedding.Apply(k, inputs.RotaryCos, inputs.RotarySin!);
        }
        if (inputs.Cache is { } cache && time == 1 && !is_grad_enabled() && !(training && dropout > 0) &&
            DecodeAttentionKernel.Supports(q, cache.KeyStorage(layerIndex), cache.ValueStorage(layerIndex), inputs.Mask))
        {
            // Decoding one position: one pass over the cache (see DecodeAttentionKernel for why not SDPA here).
            int stored = cache.Write(layerIndex, k, v);
            var decoded = DecodeAttentionKernel.Attend(q, cache.KeyStorage(layerIndex), cache.ValueStorage(layerIndex), stored, inputs.Mask);
            return output.forward(decoded).MoveToOuterDisposeScope();
        }
        if (inputs.Cache is not null) (k, v) = inputs.Cache.Store(layerIndex, k, v);
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
        var merged = attended.transpose(1, 2).reshape(batch, time, headCount * headDimension);
        return output.forward(merged).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// softmax(q kᵀ / √d + mask) with dropout on the probabilities, then · v: (B, h, T, d) each. Written out because
    /// the fused attention draws its dropout masks from libtorch's process-wide generator, not the model's.
    /// </summary>
    Tensor AttendWithDropout(Tensor q, Tensor k, Tensor v, AttentionInputs inputs)
    {
        using var scope = NewDisposeScope();
        long queries = q.shape[2], keys = k.shape[2];
        var scores = matmul(q, k.transpose(-2, -1)).mul_(1.0 / Math.Sqrt(headDimension)); // (B, h, T, S)
        var allowed = inputs.Mask ?? (inputs.IsCausal ? ones(queries, keys, ScalarType.Bool, q.device).tril() : null);
        // The dtype's lowest finite value, not −∞: a query with no key to attend to (padding) gets finite weights, not NaN.
        if (allowed is not null) scores = scores.masked_fill(allowed.logical_not(), finfo(scores.dtype).min);
        var probabilities = inputs.Randomness.Apply(scores.softmax(-1), dropout);
        return matmul(probabilities, v).MoveToOuterDisposeScope();
    }

    static Tensor RepeatHeads(Tensor x, int group)
    {
        long batch = x.shape[0], heads = x.shape[1], length = x.shape[2], dimension = x.shape[3];
        return x.unsqueeze(2).expand(batch, heads, group, length, dimension).reshape(batch, heads * group, length, dimension);
    }
}
