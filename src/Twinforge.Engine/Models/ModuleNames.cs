namespace Twinforge.Engine.Models;

/// <summary>
/// The Hugging Face module names of one architecture family. Modules are registered under these names, so the
/// model's parameter names are the checkpoint's tensor names and PEFT adapter keys follow from them.
/// </summary>
public sealed record ModuleNames(
    string Backbone, string TokenEmbedding, string? PositionEmbedding, string Layers, string FinalNorm,
    string AttentionNorm, string Attention, string MlpNorm, string Mlp,
    string? FusedQkv, string Query, string Key, string Value, string AttentionOutput,
    string? Gate, string Up, string Down)
{
    /// <summary>GPT2LMHeadModel: transformer.h.N.attn.c_attn …</summary>
    public static ModuleNames Gpt2 { get; } = new(
        "transformer", "wte", "wpe", "h", "ln_f",
        "ln_1", "attn", "ln_2", "mlp",
        FusedQkv: "c_attn", Query: "c_attn", Key: "c_attn", Value: "c_attn", AttentionOutput: "c_proj",
        Gate: null, Up: "c_fc", Down: "c_proj");

    /// <summary>LlamaForCausalLM, Qwen2ForCausalLM, MistralForCausalLM: model.layers.N.self_attn.q_proj …</summary>
    public static ModuleNames Llama { get; } = new(
        "model", "embed_tokens", null, "layers", "norm",
        "input_layernorm", "self_attn", "post_attention_layernorm", "mlp",
        FusedQkv: null, Query: "q_proj", Key: "k_proj", Value: "v_proj", AttentionOutput: "o_proj",
        Gate: "gate_proj", Up: "up_proj", Down: "down_proj");

    /// <summary>Name of the output projection when it is not tied to the token embedding.</summary>
    public const string LanguageModelHead = "lm_head";

    public static ModuleNames For(ModelFamily family) => family == ModelFamily.Gpt2 ? Gpt2 : Llama;
}
