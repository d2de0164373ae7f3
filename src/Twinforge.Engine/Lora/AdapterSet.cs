using TorchSharp.Modules;
using Twinforge.Engine.Models;
using static TorchSharp.torch;

namespace Twinforge.Engine.Lora;

/// <summary>The LoRA adapters injected into one model with one config, by module name.</summary>
public sealed class AdapterSet
{
    readonly Dictionary<string, AdaptedModule> byName;

    public AdapterSet(CausalLanguageModel model, LoraConfig config, IReadOnlyList<AdaptedModule> modules)
    {
        Model = model;
        Config = config;
        Modules = modules;
        byName = modules.ToDictionary(module => module.Name);
    }

    public CausalLanguageModel Model { get; }
    public LoraConfig Config { get; }

    /// <summary>The adapted projections in the model's module order.</summary>
    public IReadOnlyList<AdaptedModule> Modules { get; }

    public LoraAdapter this[string moduleName] => byName.TryGetValue(moduleName, out var module)
        ? module.Adapter
        : throw new KeyNotFoundException($"no LoRA adapter on module '{moduleName}'");

    /// <summary>The adapter parameters under their model names, <c>&lt;module&gt;.lora_A.weight</c> and <c>.lora_B.weight</c>.</summary>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters()
    {
        foreach (var module in Modules)
        {
            yield return ($"{module.Name}.{LoraAdapter.AName}.weight", module.Adapter.A);
            yield return ($"{module.Name}.{LoraAdapter.BName}.weight", module.Adapter.B);
        }
    }

    /// <summary>Number of adapter parameters.</summary>
    public long ParameterCount => NamedParameters().Sum(entry => entry.Parameter.numel());

    /// <summary>ΔW = scaling · B·A of one module as (out, in), with autograd.</summary>
    public Tensor DeltaWeight(string moduleName) => this[moduleName].DeltaWeight();
}
