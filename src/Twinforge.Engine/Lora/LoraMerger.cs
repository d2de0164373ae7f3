using Twinforge.Engine.Models;
using static TorchSharp.torch;

namespace Twinforge.Engine.Lora;

/// <summary>Folds LoRA adapters into the base weights, leaving a plain model that saves as a normal Hugging Face checkpoint.</summary>
public static class LoraMerger
{
    /// <summary>
    /// For each adapted projection W += scaling · B·A (transposed for a Conv1D (in, out) weight), computed in float32
    /// and cast back to the weight's dtype, then detaches and disposes the adapters. Every merged weight is checked
    /// finite before any is written, so a failed merge leaves the model as it was. Returns the merged module names.
    /// Parameters frozen by <see cref="LoraInjector.Apply"/> stay frozen.
    /// </summary>
    /// <exception cref="InvalidOperationException">A merged weight would hold NaN or infinity (names the module).</exception>
    public static IReadOnlyList<string> Merge(CausalLanguageModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var adapted = LoraInjector.AdaptedModules(model);
        using (no_grad())
        {
            // Two passes keep the merge all-or-nothing without holding every merged weight at once.
            foreach (var module in adapted)
            {
                using var scope = NewDisposeScope();
                if (!isfinite(MergedWeight(module)).all().item<bool>())
                    throw new InvalidOperationException(
                        $"merging the LoRA adapter of '{module.Name}' gives non-finite weights (NaN or infinity); the model is unchanged");
            }
            foreach (var module in adapted)
            {
                using var scope = NewDisposeScope();
                var weight = module.Projection.weight;
                weight.copy_(MergedWeight(module).to(weight.dtype));
            }
        }
        foreach (var module in adapted) module.Projection.DetachAdapter()?.Dispose();
        model.MarkWeightsChanged();
        return adapted.Select(module => module.Name).ToList();
    }

    /// <summary>W + ΔW in float32, in the weight's storage layout.</summary>
    static Tensor MergedWeight(AdaptedModule module)
    {
        var adapter = module.Adapter;
        var delta = adapter.B.to(float32).matmul(adapter.A.to(float32)).TimesInPlace(adapter.Scaling); // (out, in)
        if (module.Projection.Layout == WeightLayout.InputsByOutputs) delta = delta.t();       // (in, out)
        return module.Projection.weight.to(float32).Plus(delta);
    }
}
