using Twinforge.Engine.Models;
using static TorchSharp.torch;

namespace Twinforge.Engine.Checkpoints;

/// <summary>
/// Loads and saves a <see cref="CausalLanguageModel"/> as a Hugging Face model directory: <c>config.json</c> plus
/// <c>model.safetensors</c> or sharded <c>model-0000i-of-0000n.safetensors</c> with <c>model.safetensors.index.json</c>.
/// Loading is strict: every missing or unexpected tensor and every shape mismatch is reported by name.
/// </summary>
public static class HuggingFaceModelCheckpoint
{
    public const string ConfigFileName = "config.json";

    /// <summary>
    /// Builds the model a directory describes and reads its weights straight into the parameters (converted to
    /// <paramref name="dtype"/> tensor by tensor), so loading needs about the model's size in memory, not twice it.
    /// </summary>
    public static CausalLanguageModel Load(string directory, ScalarType dtype = ScalarType.Float32)
    {
        if (!Directory.Exists(directory))
            throw new InputFileException(directory, "model directory not found");
        var config = TransformerConfig.Load(Path.Combine(directory, ConfigFileName));
        if (!SafetensorsCheckpoint.IsSafetensorsCheckpoint(directory))
            throw new InputFileException(directory,
                "no model.safetensors or model.safetensors.index.json: not a Hugging Face model directory " +
                "(PyTorch .bin checkpoints are not read; convert them to safetensors)");
        var model = new CausalLanguageModel(config, dtype);
        try
        {
            using var checkpoint = SafetensorsCheckpoint.Open(directory);
            LoadWeights(model, checkpoint, directory);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        model.eval();
        return model;
    }

    /// <summary>Copies every parameter of <paramref name="model"/> from the checkpoint, strictly.</summary>
    public static void LoadWeights(CausalLanguageModel model, SafetensorsCheckpoint checkpoint, string directory)
    {
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var mapping = MapCheckpointNames(checkpoint.TensorNames, parameters.Keys, model.Config);

        var missing = parameters.Keys.Except(mapping.Values.OfType<string>()).Order().ToList();
        var unexpected = mapping.Where(pair => pair.Value is null).Select(pair => pair.Key).Order().ToList();
        var wrongShapes = mapping.Where(pair => pair.Value is not null)
            .Select(pair => (File: pair.Key, Parameter: pair.Value!, Expected: parameters[pair.Value!].shape,
                Found: checkpoint.GetInfo(pair.Key).Shape))
            .Where(entry => !entry.Expected.SequenceEqual(entry.Found))
            .Select(entry => $"{entry.File}: expected [{string.Join(", ", entry.Expected)}] for this config, found [{string.Join(", ", entry.Found)}]")
            .ToList();
        if (missing.Count > 0 || unexpected.Count > 0 || wrongShapes.Count > 0)
        {
            var problems = new List<string>();
            if (missing.Count > 0) problems.Add($"missing tensors: {Summarize(missing)}");
            if (unexpected.Count > 0) problems.Add($"unexpected tensors: {Summarize(unexpected)}");
            if (wrongShapes.Count > 0) problems.Add($"shape mismatches: {Summarize(wrongShapes)}");
            throw new InputFileException(directory,
                $"the weights do not fit config.json ({model.Config.ModelType}); {string.Join("; ", problems)}",
                item: missing.Concat(unexpected).Concat(wrongShapes).First().Split(':')[0]);
        }

        using var noGrad = no_grad();
        try
        {
            foreach (var (fileName, parameterName) in mapping)
                if (parameterName is not null) checkpoint.ReadInto(fileName, parameters[parameterName]);
        }
        finally
        {
            model.MarkWeightsChanged();
        }
    }

    /// <summary>
    /// Maps each checkpoint tensor name to the parameter it fills (null: unexpected). Names are the model's own;
    /// GPT-2 files saved from the bare GPT2Model lack the <c>transformer.</c> prefix, and some files carry buffers
    /// (GPT-2's causal-mask <c>attn.bias</c>, Llama's <c>rotary_emb.inv_freq</c>) or a copy of a tied head, which
    /// are skipped.
    /// </summary>
    static Dictionary<string, string?> MapCheckpointNames(IEnumerable<string> fileNames, IEnumerable<string> parameterNames, TransformerConfig config)
    {
        var expected = parameterNames.ToHashSet();
        var backbonePrefix = ModuleNames.For(config.Family).Backbone + ".";
        var mapping = new Dictionary<string, string?>();
        foreach (var name in fileNames)
        {
            if (IsDerivedBuffer(name, config)) continue;
            if (expected.Contains(name)) mapping[name] = name;
            else if (expected.Contains(backbonePrefix + name)) mapping[name] = backbonePrefix + name;
            else mapping[name] = null;
        }
        return mapping;
    }

    static bool IsDerivedBuffer(string name, TransformerConfig config) =>
        name.EndsWith(".attn.bias") && config.Family == ModelFamily.Gpt2 ||
        name.EndsWith(".attn.masked_bias") ||
        name.EndsWith("rotary_emb.inv_freq") ||
        name == ModuleNames.LanguageModelHead + ".weight" && config.TieWordEmbeddings;

    static string Summarize(IReadOnlyList<string> items) =>
        items.Count <= 8 ? string.Join(", ", items) : string.Join(", ", items.Take(8)) + $" and {items.Count - 8} more";

    /// <summary>
    /// Writes config.json and the weights in the model's dtype (a tied head is stored once, as Hugging Face does);
    /// shards when the weights exceed <paramref name="maxShardBytes"/>. Each file is written atomically.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model has LoRA adapters attached: their parameters must never
    /// end up in model.safetensors.</exception>
    public static void Save(CausalLanguageModel model, string directory, long maxShardBytes = 5L << 30)
    {
        if (model.HasAdapters)
            throw new InvalidOperationException(
                "the model has LoRA adapters attached: merge the adapters (LoraMerger.Merge) or save them with PeftAdapter.Save");
        Directory.CreateDirectory(directory);
        var config = model.Config with { TorchDtype = DTypeName(model.DType) };
        var tensors = model.named_parameters()
            .Select(p => new KeyValuePair<string, Tensor>(p.name, p.parameter.detach()))
            .ToList();
        try
        {
            SafetensorsCheckpoint.Save(directory, tensors, maxShardBytes,
                metadata: new Dictionary<string, string> { ["format"] = "pt" });
        }
        finally
        {
            foreach (var tensor in tensors) tensor.Value.Dispose();
        }
        config.Save(Path.Combine(directory, ConfigFileName));
    }

    static string DTypeName(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.Float16 => "float16",
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Float64 => "float64",
        _ => throw new ArgumentException($"models are saved in a floating-point dtype, not {dtype}"),
    };
}
