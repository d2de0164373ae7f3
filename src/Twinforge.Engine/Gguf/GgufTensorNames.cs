using System.Text.RegularExpressions;
using Twinforge.Engine.Models;

namespace Twinforge.Engine.Gguf;

/// <summary>
/// Hugging Face module names to llama.cpp's tensor names (gguf-py's <c>tensor_mapping.py</c>, as
/// <c>convert_hf_to_gguf.py</c> applies it): one explicit table per family, the block index carried over
/// (<c>model.layers.3.self_attn.q_proj</c> → <c>blk.3.attn_q</c>).
/// </summary>
public static partial class GgufTensorNames
{
    static readonly Dictionary<string, string> LlamaGlobal = new()
    {
        ["model.embed_tokens"] = "token_embd", ["model.norm"] = "output_norm", [ModuleNames.LanguageModelHead] = "output",
    };

    static readonly Dictionary<string, string> LlamaBlock = new()
    {
        ["input_layernorm"] = "attn_norm", ["self_attn.q_proj"] = "attn_q", ["self_attn.k_proj"] = "attn_k",
        ["self_attn.v_proj"] = "attn_v", ["self_attn.o_proj"] = "attn_output", ["post_attention_layernorm"] = "ffn_norm",
        ["mlp.gate_proj"] = "ffn_gate", ["mlp.up_proj"] = "ffn_up", ["mlp.down_proj"] = "ffn_down",
    };

    static readonly Dictionary<string, string> Gpt2Global = new()
    {
        ["transformer.wte"] = "token_embd", ["transformer.wpe"] = "position_embd", ["transformer.ln_f"] = "output_norm",
        [ModuleNames.LanguageModelHead] = "output",
    };

    static readonly Dictionary<string, string> Gpt2Block = new()
    {
        ["ln_1"] = "attn_norm", ["attn.c_attn"] = "attn_qkv", ["attn.c_proj"] = "attn_output", ["ln_2"] = "ffn_norm",
        ["mlp.c_fc"] = "ffn_up", ["mlp.c_proj"] = "ffn_down",
    };

    /// <summary>llama.cpp's architecture for a Hugging Face model type: mistral loads as llama, as the converter writes it.</summary>
    public static string Architecture(TransformerConfig config) => config.ModelType switch
    {
        "gpt2" => "gpt2",
        "llama" or "mistral" => "llama",
        "qwen2" => "qwen2",
        _ => throw new BadInputException($"GGUF export: model type '{config.ModelType}' has no llama.cpp architecture here"),
    };

    /// <summary>
    /// Whether llama.cpp's architecture rotates interleaved pairs (its "normal" RoPE, llama) where Hugging Face rotates
    /// halves: then q and k rows must be permuted (<see cref="GgufModelExport"/>). Qwen2 uses NeoX RoPE, as HF does.
    /// </summary>
    public static bool PermutesQueryKey(TransformerConfig config) => Architecture(config) == "llama";

    /// <summary>The GGUF name of a module (e.g. <c>blk.0.attn_q</c>), or null when the table has none.</summary>
    public static string? Map(string moduleName, ModelFamily family)
    {
        var (global, block, layers) = family == ModelFamily.Gpt2
            ? (Gpt2Global, Gpt2Block, "transformer.h.")
            : (LlamaGlobal, LlamaBlock, "model.layers.");
        if (global.TryGetValue(moduleName, out var name)) return name;
        if (!moduleName.StartsWith(layers, StringComparison.Ordinal)) return null;
        var match = BlockName().Match(moduleName[layers.Length..]);
        return match.Success && block.TryGetValue(match.Groups[2].Value, out var inBlock) ? $"blk.{match.Groups[1].Value}.{inBlock}" : null;
    }

    /// <summary>The GGUF name of a parameter: its module's name with the same .weight or .bias.</summary>
    public static string MapParameter(string parameterName, ModelFamily family)
    {
        int dot = parameterName.LastIndexOf('.');
        var mapped = dot > 0 ? Map(parameterName[..dot], family) : null;
        return mapped is null
            ? throw new InvalidOperationException($"GGUF export: no llama.cpp tensor name for '{parameterName}'")
            : mapped + parameterName[dot..];
    }

    [GeneratedRegex(@"^(\d+)\.(.+)$")]
    private static partial Regex BlockName();
}
