using Twinforge.Engine.Models;
using Twinforge.Engine.Tokenization;
using static TorchSharp.torch;

namespace Twinforge.Engine.Gguf;

/// <summary>
/// Writes a model as one GGUF file that llama.cpp (and so Ollama) loads: the architecture's hyper-parameters under
/// llama.cpp's keys, the weights under its tensor names (GPT-2's Conv1D weights transposed to (out, in), llama's q and k
/// rows permuted for its RoPE), the tokenizer and the chat template. As convert_hf_to_gguf.py does, a tied output head is
/// left out (llama.cpp reuses token_embd) and vectors stay F32 whatever the requested type the matrices get.
/// </summary>
/// <example><code>
/// using var model = PretrainedModel.Load("runs/alice-v1/model");
/// GgufModelExport.Write(model.Network, model.Tokenizer, "alice.gguf", GgmlType.Q8_0, name: "alice");
/// </code></example>
public static class GgufModelExport
{
    /// <exception cref="InvalidOperationException">The model has LoRA adapters attached (merge them first).</exception>
    /// <exception cref="BadInputException">The architecture or tokenizer cannot be expressed for llama.cpp.</exception>
    public static void Write(CausalLanguageModel model, ITokenizer tokenizer, string path, GgmlType type, string name)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (model.HasAdapters)
            throw new InvalidOperationException("the model has LoRA adapters attached: merge them (LoraMerger.Merge) or export them with GgufAdapterExport");
        var writer = new GgufWriter();
        AddHyperParameters(writer, model.Config, type, name, "model");
        GgufVocabulary.Add(writer, tokenizer, model.Config.VocabularySize);
        AddWeights(writer, model, type);
        writer.Write(path);
    }

    /// <summary>The general.* keys and the architecture's hyper-parameters (shared with adapters, which need only the first).</summary>
    internal static void AddHyperParameters(GgufWriter writer, TransformerConfig config, GgmlType type, string name, string fileKind)
    {
        var arch = GgufTensorNames.Architecture(config);
        writer.Add("general.architecture", GgufValue.String(arch));
        writer.Add("general.type", GgufValue.String(fileKind));
        writer.Add("general.name", GgufValue.String(name));
        writer.Add("general.file_type", GgufValue.UInt32(type.FileType()));
        writer.Add("general.quantization_version", GgufValue.UInt32(2)); // ggml's GGML_QNT_VERSION
        if (fileKind != "model") return;
        writer.Add($"{arch}.vocab_size", GgufValue.UInt32((uint)config.VocabularySize));
        writer.Add($"{arch}.context_length", GgufValue.UInt32((uint)config.MaxPositions));
        writer.Add($"{arch}.embedding_length", GgufValue.UInt32((uint)config.HiddenSize));
        writer.Add($"{arch}.block_count", GgufValue.UInt32((uint)config.LayerCount));
        writer.Add($"{arch}.feed_forward_length", GgufValue.UInt32((uint)config.IntermediateSize));
        writer.Add($"{arch}.attention.head_count", GgufValue.UInt32((uint)config.HeadCount));
        writer.Add($"{arch}.attention.head_count_kv", GgufValue.UInt32((uint)config.KeyValueHeadCount));
        if (config.Family == ModelFamily.Gpt2)
        {
            if (config.Activation == "gelu")
                throw new BadInputException("GGUF export: llama.cpp's gpt2 computes GELU with the tanh approximation; this model uses the exact 'gelu'");
            writer.Add($"{arch}.attention.layer_norm_epsilon", GgufValue.Float32((float)config.NormEpsilon));
            return;
        }
        writer.Add($"{arch}.attention.layer_norm_rms_epsilon", GgufValue.Float32((float)config.NormEpsilon));
        writer.Add($"{arch}.rope.freq_base", GgufValue.Float32((float)config.RopeTheta));
        writer.Add($"{arch}.rope.dimension_count", GgufValue.UInt32((uint)config.HeadDimension));
        if (config.ExplicitHeadDimension is int headDimension)
        {
            writer.Add($"{arch}.attention.key_length", GgufValue.UInt32((uint)headDimension));
            writer.Add($"{arch}.attention.value_length", GgufValue.UInt32((uint)headDimension));
        }
        if (config.RopeScaling is { Type: "linear" } linear)
        {
            writer.Add($"{arch}.rope.scaling.type", GgufValue.String("linear"));
            writer.Add($"{arch}.rope.scaling.factor", GgufValue.Float32((float)linear.Factor));
        }
    }

    static void AddWeights(GgufWriter writer, CausalLanguageModel model, GgmlType type)
    {
        var config = model.Config;
        var conv1D = model.NamedProjections().Where(entry => entry.Projection.Layout == WeightLayout.InputsByOutputs)
            .Select(entry => entry.Name + ".weight").ToHashSet();
        bool permute = GgufTensorNames.PermutesQueryKey(config);
        foreach (var (parameterName, parameter) in model.named_parameters())
        {
            var ggufName = GgufTensorNames.MapParameter(parameterName, config.Family);
            bool transpose = conv1D.Contains(parameterName);
            int? rotaryHeads = !permute ? null
                : parameterName.Contains(".self_attn.q_proj.") ? config.HeadCount
                : parameterName.Contains(".self_attn.k_proj.") ? config.KeyValueHeadCount
                : null;
            long[] shape = transpose ? [parameter.shape[1], parameter.shape[0]] : parameter.shape;
            writer.AddTensor(ggufName, shape, GgufTensorLayout.TypeFor(shape, type), () =>
            {
                using var scope = NewDisposeScope();
                var tensor = transpose ? parameter.detach().t() : parameter.detach();
                if (rotaryHeads is int heads) tensor = GgufTensorLayout.PermuteRotaryRows(tensor, heads);
                return GgufTensorLayout.Values(tensor);
            });
        }
        // Llama 3's frequency-dependent scaling: llama.cpp divides each rotary frequency by rope_freqs[i].
        if (config.RopeScaling is { Type: "llama3" } scaling)
        {
            var original = Enumerable.Range(0, config.HeadDimension / 2)
                .Select(i => 1.0 / Math.Pow(config.RopeTheta, 2.0 * i / config.HeadDimension)).ToArray();
            var scaled = scaling.Apply(original);
            var factors = original.Select((frequency, i) => (float)(frequency / scaled[i])).ToArray();
            writer.AddTensor("rope_freqs.weight", [factors.Length], GgmlType.F32, () => factors);
        }
    }
}
