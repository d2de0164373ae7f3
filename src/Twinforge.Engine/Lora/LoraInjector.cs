using TorchSharp;
using Twinforge.Engine.Models;
using static TorchSharp.torch;

namespace Twinforge.Engine.Lora;

/// <summary>Attaches LoRA adapters to the projections a <see cref="LoraConfig"/> targets and freezes the rest.</summary>
/// <example><code>
/// var adapters = LoraInjector.Apply(model, new LoraConfig { TargetModules = LoraConfig.DefaultTargets(model.Config.Family) }, seed: 1);
/// var optimizer = torch.optim.AdamW(adapters.NamedParameters().Select(p => p.Parameter));
/// </code></example>
public static class LoraInjector
{
    /// <summary>
    /// Freezes every parameter of the model (requires_grad = false), then attaches a fresh adapter (A from a generator
    /// seeded with <paramref name="seed"/>, in module order; B zero) to each targeted projection, so only the adapters
    /// train and the model's output is unchanged until B moves.
    /// </summary>
    /// <exception cref="BadInputException">No projection matches the targets (settings that do not fit the model).</exception>
    /// <exception cref="InvalidOperationException">A targeted projection already has an adapter.</exception>
    public static AdapterSet Apply(CausalLanguageModel model, LoraConfig config, long seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        var targets = Targets(model, config);
        if (targets.Count == 0)
        {
            var names = model.NamedProjections().Select(entry => entry.Name).ToList();
            var examples = string.Join(", ", names.Take(8)) + (names.Count > 8 ? $" and {names.Count - 8} more" : "");
            throw new BadInputException($"no module of the model matches the LoRA {config.TargetsDescription}; its projections are: {examples}");
        }
        if (targets.FirstOrDefault(entry => entry.Projection.Adapter is not null) is { Name: not null } adapted)
            throw new InvalidOperationException($"'{adapted.Name}' already has a LoRA adapter; merge or detach it before injecting again");

        foreach (var parameter in model.parameters()) parameter.requires_grad = false;
        using var generator = new Generator((ulong)seed);
        var modules = new List<AdaptedModule>(targets.Count);
        foreach (var (name, projection) in targets)
        {
            projection.AttachAdapter(LoraAdapter.Create(projection, config, generator));
            modules.Add(new AdaptedModule(name, projection));
        }
        model.MarkWeightsChanged();
        return new AdapterSet(model, config, modules);
    }

    /// <summary>The projections <paramref name="config"/> targets, by full module name, in module order.</summary>
    public static IReadOnlyList<(string Name, Projection Projection)> Targets(CausalLanguageModel model, LoraConfig config) =>
        model.NamedProjections().Where(entry => config.Matches(entry.Name)).ToList();

    /// <summary>The projections that currently carry an adapter.</summary>
    public static IReadOnlyList<AdaptedModule> AdaptedModules(CausalLanguageModel model) =>
        model.AdaptedProjections().Select(entry => new AdaptedModule(entry.Name, entry.Projection)).ToList();
}
