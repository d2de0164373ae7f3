using Twinforge.Engine.Checkpoints;
using Twinforge.Engine.Models;
using static TorchSharp.torch;

namespace Twinforge.Engine.Lora;

/// <summary>
/// Saves and loads LoRA adapters as a PEFT adapter directory — <c>adapter_config.json</c> and
/// <c>adapter_model.safetensors</c> — which Python's <c>PeftModel.from_pretrained(base, directory)</c> loads.
/// </summary>
/// <remarks>
/// Key names follow PEFT's <c>get_peft_model_state_dict</c>: the PeftModel's state-dict names with the adapter name
/// removed (<c>k.replace(".default", "")</c>), i.e. <c>base_model.model.&lt;module path&gt;.lora_A.weight</c>, where the
/// module path is the transformers name (<c>model.layers.0.self_attn.q_proj</c>, <c>transformer.h.0.attn.c_attn</c>).
/// PEFT's LoRA layer takes (in_features, out_features) from GPT-2's Conv1D as <c>weight.shape</c> = (in, out) and builds
/// lora_A = nn.Linear(in, r) and lora_B = nn.Linear(r, out), so for Conv1D too A is stored (r, in) and B (out, r);
/// only merging differs (<c>transpose(B @ A, fan_in_fan_out)</c>).
/// </remarks>
/// <example><code>
/// PeftAdapter.Save(adapters, "runs/1/adapter", baseModelNameOrPath: "gpt2");
/// var loaded = PeftAdapter.Load(HuggingFaceModelCheckpoint.Load("models/gpt2"), "runs/1/adapter");
/// </code></example>
public static class PeftAdapter
{
    public const string ConfigFileName = "adapter_config.json";
    public const string WeightsFileName = "adapter_model.safetensors";

    /// <summary>Prefix of every saved key: PeftModel.base_model (the LoraModel) . model (the transformers model).</summary>
    public const string KeyPrefix = "base_model.model.";

    /// <summary>
    /// Writes the adapters' factors in their dtype and the config. Each file is written atomically, the config last,
    /// so a directory with a config always has the matching weights.
    /// </summary>
    public static void Save(AdapterSet adapters, string directory, string? baseModelNameOrPath = null) =>
        Save(adapters, directory, baseModelNameOrPath is null ? null : new PeftBaseModel(baseModelNameOrPath));

    /// <inheritdoc cref="Save(AdapterSet, string, string?)"/>
    public static void Save(AdapterSet adapters, string directory, PeftBaseModel? baseModel)
    {
        ArgumentNullException.ThrowIfNull(adapters);
        Directory.CreateDirectory(directory);
        var tensors = adapters.NamedParameters()
            .Select(entry => new KeyValuePair<string, Tensor>(KeyPrefix + entry.Name, entry.Parameter.detach()))
            .ToList();
        try
        {
            SafetensorsWriter.Write(Path.Combine(directory, WeightsFileName), tensors,
                new Dictionary<string, string> { ["format"] = "pt" });
        }
        finally
        {
            foreach (var tensor in tensors) tensor.Value.Dispose();
        }
        bool fanInFanOut = adapters.Modules.Any(module => module.Projection.Layout == WeightLayout.InputsByOutputs);
        AtomicFile.WriteAllText(Path.Combine(directory, ConfigFileName),
            PeftAdapterConfigFile.Serialize(adapters.Config, fanInFanOut, baseModel));
    }

    /// <summary>Reads and validates a directory's adapter_config.json.</summary>
    public static LoraConfig ReadConfig(string directory) => PeftAdapterConfigFile.Read(Path.Combine(directory, ConfigFileName));

    /// <summary>
    /// Injects adapters configured by the directory's adapter_config.json into <paramref name="model"/> and reads their
    /// factors. Loading is strict and checked before the model is touched: every key must be a lora_A or lora_B
    /// weight of a projection the config targets, every targeted projection must have both, and every shape must fit;
    /// all problems are reported at once, naming the file and tensor.
    /// </summary>
    public static AdapterSet Load(CausalLanguageModel model, string directory)
    {
        using var checkedFile = OpenChecked(model, directory);
        var adapters = LoraInjector.Apply(model, checkedFile.Config, seed: 0);
        try
        {
            foreach (var (name, parameter) in adapters.NamedParameters()) checkedFile.File.ReadInto(KeyPrefix + name, parameter);
        }
        catch
        {
            foreach (var module in adapters.Modules) module.Projection.DetachAdapter()?.Dispose();
            throw;
        }
        finally
        {
            model.MarkWeightsChanged();
        }
        return adapters;
    }

    /// <summary>
    /// Opens a PEFT directory's weights after checking them against <paramref name="model"/> as <see cref="Load"/>
    /// does (config, targets, every key and shape), without touching the model: what both an attached load and a
    /// detached one (<see cref="AdapterWeights.Load"/>) start from.
    /// </summary>
    internal static CheckedAdapterFile OpenChecked(CausalLanguageModel model, string directory)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (File.Exists(directory))
            throw new InputFileException(directory, "is a file: give the adapter's directory (adapter_config.json and adapter_model.safetensors)");
        if (!Directory.Exists(directory))
            throw new InputFileException(directory, "adapter directory not found");
        var config = ReadConfig(directory);
        var weightsPath = Path.Combine(directory, WeightsFileName);
        if (!File.Exists(weightsPath) && File.Exists(Path.Combine(directory, "adapter_model.bin")))
            throw new InputFileException(weightsPath,
                "not found; the directory has adapter_model.bin, a PyTorch pickle, which is not read (convert it to safetensors)");

        var file = SafetensorsFile.Open(weightsPath);
        try
        {
            var targets = LoraInjector.Targets(model, config);
            if (targets.Count == 0)
                throw new InputFileException(Path.Combine(directory, ConfigFileName),
                    $"no module of the model ({model.Config.ModelType}) matches {config.TargetsDescription}", "target_modules");
            CheckTensors(file, ExpectedShapes(targets, config.Rank), model, weightsPath,
                PeftAdapterConfigFile.ReadBaseModel(Path.Combine(directory, ConfigFileName)));
            return new CheckedAdapterFile(config, targets, file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>A PEFT directory's config, the model's projections it targets, and its weights file, checked against them.</summary>
    internal sealed record CheckedAdapterFile(LoraConfig Config, IReadOnlyList<(string Name, Projection Projection)> Targets, SafetensorsFile File)
        : IDisposable
    {
        public void Dispose() => File.Dispose();
    }

    static Dictionary<string, long[]> ExpectedShapes(IReadOnlyList<(string Name, Projection Projection)> targets, int rank)
    {
        var shapes = new Dictionary<string, long[]>();
        foreach (var (name, projection) in targets)
        {
            shapes[$"{KeyPrefix}{name}.{LoraAdapter.AName}.weight"] = [rank, projection.InFeatures];
            shapes[$"{KeyPrefix}{name}.{LoraAdapter.BName}.weight"] = [projection.OutFeatures, rank];
        }
        return shapes;
    }

    /// <param name="madeFor">The base the adapter's config says it was trained on, to name when its shapes show it is another.</param>
    static void CheckTensors(SafetensorsFile file, Dictionary<string, long[]> expected, CausalLanguageModel model, string path, string? madeFor)
    {
        var projections = model.NamedProjections().Select(entry => entry.Name).ToHashSet();
        var problems = new List<(string Tensor, string Problem)>();
        foreach (var name in file.TensorNames.Order(StringComparer.Ordinal))
        {
            if (expected.TryGetValue(name, out var shape))
            {
                var found = file.GetInfo(name);
                if (!found.Shape.SequenceEqual(shape))
                    problems.Add((name, $"shape mismatch: expected {Shape(shape)} for adapter_config.json's r and the model, found {found.ShapeText}"));
                if (found.DType is not (ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float32 or ScalarType.Float64))
                    problems.Add((name, $"expected a floating-point tensor, found {found.DType}"));
                continue;
            }
            problems.Add((name, DescribeUnexpected(name, projections)));
        }
        foreach (var name in expected.Keys.Where(name => !file.Contains(name)))
            problems.Add((name, "missing: adapter_config.json targets this module but the file has no such tensor"));
        if (problems.Count == 0) return;
        // Shapes that differ mean an adapter trained on another base: said first, with the base its config names,
        // before the tensors (dozens of lines of them otherwise).
        var mismatched = problems.Count(entry => entry.Problem.StartsWith("shape mismatch", StringComparison.Ordinal));
        var cause = mismatched == 0 ? ""
            : $"it was trained on another base ({(madeFor is null ? "its adapter_config.json names none" : $"its adapter_config.json names {madeFor}")}): " +
              $"{mismatched} of its tensors {(mismatched == 1 ? "has a shape" : "have shapes")} other than this model's; ";
        var listed = string.Join("; ", problems.Take(3).Select(entry => $"{entry.Tensor}: {entry.Problem}"));
        if (problems.Count > 3) listed += $"; and {problems.Count - 3} more";
        throw new InputFileException(path,
            $"the adapter does not fit the model ({model.Config.ModelType}): {cause}{listed}", item: problems[0].Tensor);
    }

    static string DescribeUnexpected(string key, HashSet<string> projections)
    {
        if (!key.StartsWith(KeyPrefix, StringComparison.Ordinal))
            return $"unexpected tensor: PEFT LoRA keys start with \"{KeyPrefix}\"";
        var path = key[KeyPrefix.Length..];
        foreach (var suffix in new[] { $".{LoraAdapter.AName}.weight", $".{LoraAdapter.BName}.weight" })
        {
            if (!path.EndsWith(suffix, StringComparison.Ordinal)) continue;
            var module = path[..^suffix.Length];
            return projections.Contains(module)
                ? $"unexpected tensor: module '{module}' is not among adapter_config.json's target_modules"
                : $"unexpected tensor: the model has no module '{module}'";
        }
        return "unexpected tensor: only lora_A.weight and lora_B.weight of linear layers are supported";
    }

    static string Shape(IEnumerable<long> shape) => $"[{string.Join(", ", shape)}]";
}
