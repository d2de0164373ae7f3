using Twinforge.Engine.Lora;
using Twinforge.Engine.Tests.Models;
using static Twinforge.Engine.Tests.Lora.LoraTestModels;

namespace Twinforge.Engine.Tests.Lora;

[Collection("Torch")]
public sealed class ParameterFreezerTests
{
    [Theory]
    [InlineData("gpt2", new[] { "transformer.wte.weight", "transformer.wpe.weight" })]
    [InlineData("llama", new[] { "model.embed_tokens.weight" })]
    [InlineData("llama-tied", new[] { "model.embed_tokens.weight" })]
    public void Freezing_embeddings_freezes_token_and_position_tables_only(string configName, string[] frozen)
    {
        using var model = TinyModels.Create(TinyModels.ByName(configName));

        ParameterFreezer.FreezeEmbeddings(model);

        var frozenNames = model.named_parameters().Where(p => !p.parameter.requires_grad).Select(p => p.name).Order();
        Assert.Equal(frozen.Order(), frozenNames);
        if (configName == "llama") Assert.Contains(ParameterFreezer.TrainableParameters(model), p => p.Name == "lm_head.weight");
    }

    [Theory]
    [MemberData(nameof(LoraTestModels.Families), MemberType = typeof(LoraTestModels))]
    public void Freezing_the_first_layers_freezes_exactly_their_parameters(string configName)
    {
        var config = TinyModels.ByName(configName);
        using var model = TinyModels.Create(config);
        var firstLayer = config.Family == Twinforge.Engine.Models.ModelFamily.Gpt2 ? "transformer.h.0." : "model.layers.0.";

        ParameterFreezer.FreezeFirstLayers(model, 1);

        foreach (var (name, parameter) in model.named_parameters())
            Assert.Equal(!name.StartsWith(firstLayer), parameter.requires_grad);
        Assert.Throws<ArgumentOutOfRangeException>(() => ParameterFreezer.FreezeFirstLayers(model, config.LayerCount + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ParameterFreezer.FreezeFirstLayers(model, -1));
    }

    [Fact]
    public void Freezing_layers_after_injection_freezes_their_adapters_too()
    {
        using var model = TinyModels.Create(TinyModels.Llama());
        var adapters = LoraInjector.Apply(model, DefaultConfig(model), seed: 1);

        ParameterFreezer.FreezeFirstLayers(model, 1);

        var trainable = ParameterFreezer.TrainableParameters(model).Select(p => p.Name).ToList();
        Assert.NotEmpty(trainable);
        Assert.All(trainable, name => Assert.StartsWith("model.layers.1.", name));
        Assert.Equal(adapters.NamedParameters().Count(p => p.Name.StartsWith("model.layers.1.")), trainable.Count);
    }
}
