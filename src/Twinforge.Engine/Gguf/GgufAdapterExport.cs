using Twinforge.Engine.Models;
using static TorchSharp.torch;

namespace Twinforge.Engine.Gguf;

/// <summary>
/// Writes a model's attached LoRA adapters as a llama.cpp LoRA adapter GGUF (what convert_lora_to_gguf.py writes):
/// <c>general.type = "adapter"</c>, <c>adapter.type = "lora"</c>, <c>adapter.lora.alpha</c>, and for each adapted
/// projection <c>&lt;tensor&gt;.lora_a</c> (ggml [in, r]) and <c>&lt;tensor&gt;.lora_b</c> (ggml [r, out]) under the base
/// tensor's GGUF name. llama.cpp adds scale · B(A x) with scale = alpha / r, so alpha is written as Twinforge's scaling
/// · r (rsLoRA's alpha / √r included). For llama's permuted q and k, B's rows are permuted as the base rows are.
/// </summary>
/// <example><code>
/// PeftAdapter.Load(model, "runs/alice-v1/adapter");
/// GgufAdapterExport.Write(model, "adapter.gguf", GgmlType.F32, name: "alice");
/// </code></example>
public static class GgufAdapterExport
{
    /// <exception cref="InvalidOperationException">The model has no adapters attached.</exception>
    /// <exception cref="BadInputException">An adapted module has no llama.cpp tensor, or adapters disagree on their scaling.</exception>
    public static void Write(CausalLanguageModel model, string path, GgmlType type, string name)
    {
        ArgumentNullException.ThrowIfNull(model);
        var adapted = model.AdaptedProjections();
        if (adapted.Count == 0) throw new InvalidOperationException("the model has no LoRA adapters attached to export");
        var config = model.Config;
        var alphas = adapted.Select(entry => entry.Projection.Adapter!.Scaling * entry.Projection.Adapter.Rank).Distinct().ToList();
        if (alphas.Count != 1)
            throw new BadInputException("GGUF export: llama.cpp applies one alpha to a whole adapter; these adapters' scaling × rank differ");
        var writer = new GgufWriter();
        GgufModelExport.AddHyperParameters(writer, config, type, name, "adapter");
        writer.Add("adapter.type", GgufValue.String("lora"));
        writer.Add("adapter.lora.alpha", GgufValue.Float32((float)alphas[0]));
        bool permute = GgufTensorNames.PermutesQueryKey(config);
        foreach (var (moduleName, projection) in adapted)
        {
            var ggufName = GgufTensorNames.Map(moduleName, config.Family)
                ?? throw new BadInputException($"GGUF export: the adapted module '{moduleName}' has no llama.cpp tensor");
            var adapter = projection.Adapter!;
            int? rotaryHeads = !permute ? null
                : moduleName.EndsWith(".self_attn.q_proj", StringComparison.Ordinal) ? config.HeadCount
                : moduleName.EndsWith(".self_attn.k_proj", StringComparison.Ordinal) ? config.KeyValueHeadCount
                : null;
            long[] aShape = adapter.A.shape, bShape = adapter.B.shape; // A (r, in), B (out, r): ggml [in, r] and [r, out]
            writer.AddTensor($"{ggufName}.weight.lora_a", aShape, GgufTensorLayout.TypeFor(aShape, type), () => GgufTensorLayout.Values(adapter.A));
            writer.AddTensor($"{ggufName}.weight.lora_b", bShape, GgufTensorLayout.TypeFor(bShape, type), () =>
            {
                using var scope = NewDisposeScope();
                var b = adapter.B.detach();
                return GgufTensorLayout.Values(rotaryHeads is int heads ? GgufTensorLayout.PermuteRotaryRows(b, heads) : b);
            });
        }
        writer.Write(path);
    }
}
