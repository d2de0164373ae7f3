using TorchSharp.Modules;
using Twinforge.Engine.Models;

namespace Twinforge.Engine.Lora;

/// <summary>Switches training off for parts of a model (requires_grad = false), e.g. for partial fine-tuning.</summary>
public static class ParameterFreezer
{
    /// <summary>Freezes the token embedding (and with it a tied output head, which is the same tensor) and GPT-2's position embedding.</summary>
    public static void FreezeEmbeddings(CausalLanguageModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.TokenEmbedding.weight.requires_grad = false;
        if (model.PositionEmbedding is { } positions) positions.weight.requires_grad = false;
    }

    /// <summary>Freezes every parameter of the first <paramref name="layerCount"/> blocks, adapters included.</summary>
    public static void FreezeFirstLayers(CausalLanguageModel model, int layerCount)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (layerCount < 0 || layerCount > model.Config.LayerCount)
            throw new ArgumentOutOfRangeException(nameof(layerCount), layerCount,
                $"the number of layers to freeze must be between 0 and the model's {model.Config.LayerCount} layers");
        foreach (var block in model.Blocks.Take(layerCount))
            foreach (var parameter in block.parameters()) parameter.requires_grad = false;
    }

    /// <summary>The parameters that will receive gradients, by model name.</summary>
    public static IReadOnlyList<(string Name, Parameter Parameter)> TrainableParameters(CausalLanguageModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.named_parameters().Where(entry => entry.parameter.requires_grad)
            .Select(entry => (entry.name, entry.parameter)).ToList();
    }
}
