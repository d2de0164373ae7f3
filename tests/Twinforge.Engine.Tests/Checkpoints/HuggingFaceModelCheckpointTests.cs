using System.Text.Json.Nodes;
using Twinforge.Engine.Checkpoints;
using Twinforge.Engine.Models;
using Twinforge.Engine.Tests.Models;
using static TorchSharp.torch;

namespace Twinforge.Engine.Tests.Checkpoints;

[Collection("Torch")]
public sealed class HuggingFaceModelCheckpointTests
{
    [Theory]
    [InlineData("gpt2", ScalarType.Float32)]
    [InlineData("llama", ScalarType.Float32)]
    [InlineData("qwen2", ScalarType.BFloat16)]
    [InlineData("llama-tied", ScalarType.Float16)]
    public void Save_then_load_gives_bit_identical_weights(string configName, ScalarType dtype)
    {
        using var directory = new TemporaryDirectory();
        using var model = TinyModels.Create(TinyModels.ByName(configName), dtype: dtype);
        HuggingFaceModelCheckpoint.Save(model, directory.Path);
        using var loaded = HuggingFaceModelCheckpoint.Load(directory.Path, dtype);

        AssertSameWeights(model, loaded);
        Assert.Equal(model.Config with { TorchDtype = null, ExtraFields = new() },
            loaded.Config with { TorchDtype = null, ExtraFields = new() }, ConfigComparer.Instance);
    }

    [Fact]
    public void Sharded_checkpoint_loads_the_same_model()
    {
        using var directory = new TemporaryDirectory();
        using var model = TinyModels.Create(TinyModels.Llama());
        HuggingFaceModelCheckpoint.Save(model, directory.Path, maxShardBytes: 16 * 1024);

        var shards = Directory.GetFiles(directory.Path, "model-*-of-*.safetensors");
        Assert.True(shards.Length > 2, $"expected several shards, found {shards.Length}");
        Assert.True(File.Exists(directory.File("model.safetensors.index.json")));
        Assert.False(File.Exists(directory.File("model.safetensors")));

        using var loaded = HuggingFaceModelCheckpoint.Load(directory.Path);
        AssertSameWeights(model, loaded);
    }

    [Fact]
    public void Bfloat16_checkpoint_loads_into_float32_by_exact_conversion()
    {
        using var directory = new TemporaryDirectory();
        using var model = TinyModels.Create(TinyModels.Gpt2(), dtype: ScalarType.BFloat16);
        HuggingFaceModelCheckpoint.Save(model, directory.Path);
        using var loaded = HuggingFaceModelCheckpoint.Load(directory.Path, ScalarType.Float32);
        foreach (var ((name, original), (_, converted)) in model.named_parameters().Zip(loaded.named_parameters()))
        {
            Assert.Equal(ScalarType.Float32, converted.dtype);
            Assert.True(original.to(ScalarType.Float32).eq(converted).all().item<bool>(), name);
        }
    }

    [Fact]
    public void Gpt2_file_without_the_transformer_prefix_and_with_mask_buffers_loads()
    {
        // The original GPT-2 checkpoints were saved from GPT2Model: keys "h.0.attn.c_attn.weight", "wte.weight"…
        // plus the causal-mask buffers "h.N.attn.bias".
        using var directory = new TemporaryDirectory();
        using var model = TinyModels.Create(TinyModels.Gpt2());
        var tensors = model.named_parameters()
            .Select(p => new KeyValuePair<string, Tensor>(p.name["transformer.".Length..], p.parameter.detach()))
            .Append(new("h.0.attn.bias", ones(1, 1, 24, 24).tril()))
            .ToList();
        SafetensorsCheckpoint.Save(directory.Path, tensors);
        model.Config.Save(directory.File("config.json"));

        using var loaded = HuggingFaceModelCheckpoint.Load(directory.Path);
        AssertSameWeights(model, loaded);
    }

    [Fact]
    public void Missing_unexpected_and_misshapen_tensors_are_all_named()
    {
        using var directory = new TemporaryDirectory();
        using var model = TinyModels.Create(TinyModels.Llama());
        var tensors = model.named_parameters()
            .Where(p => p.name != "model.layers.1.mlp.up_proj.weight")
            .Select(p => new KeyValuePair<string, Tensor>(p.name,
                p.name == "model.norm.weight" ? zeros(33) : p.parameter.detach()))
            .Append(new("model.layers.0.extra.weight", zeros(2)))
            .ToList();
        SafetensorsCheckpoint.Save(directory.Path, tensors);
        model.Config.Save(directory.File("config.json"));

        var error = Assert.Throws<InputFileException>(() => HuggingFaceModelCheckpoint.Load(directory.Path));
        Assert.Contains(directory.Path, error.Message);
        Assert.Contains("missing tensors: model.layers.1.mlp.up_proj.weight", error.Message);
        Assert.Contains("unexpected tensors: model.layers.0.extra.weight", error.Message);
        Assert.Contains("model.norm.weight: expected [32] for this config, found [33]", error.Message);
    }

    [Fact]
    public void Missing_config_is_reported_with_its_path()
    {
        using var directory = new TemporaryDirectory();
        var error = Assert.Throws<InputFileException>(() => HuggingFaceModelCheckpoint.Load(directory.Path));
        Assert.Equal(directory.File("config.json"), error.FilePath);
    }

    [Fact]
    public void Directory_without_weights_is_not_a_model()
    {
        using var directory = new TemporaryDirectory();
        TinyModels.Gpt2().Save(directory.File("config.json"));
        var error = Assert.Throws<InputFileException>(() => HuggingFaceModelCheckpoint.Load(directory.Path));
        Assert.Contains("model.safetensors", error.Message);
    }

    static void AssertSameWeights(CausalLanguageModel expected, CausalLanguageModel actual)
    {
        var actualParameters = actual.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Equal(expected.named_parameters().Select(p => p.name).Order(), actualParameters.Keys.Order());
        foreach (var (name, parameter) in expected.named_parameters())
        {
            var other = actualParameters[name];
            Assert.Equal(parameter.dtype, other.dtype);
            Assert.True(parameter.bytes.SequenceEqual(other.bytes), $"{name} differs");
        }
    }

    /// <summary>Records holding lists compare by reference; compare configs by their JSON instead.</summary>
    sealed class ConfigComparer : IEqualityComparer<TransformerConfig>
    {
        public static readonly ConfigComparer Instance = new();
        public bool Equals(TransformerConfig? x, TransformerConfig? y) =>
            JsonNode.DeepEquals(x?.ToJson(), y?.ToJson());
        public int GetHashCode(TransformerConfig obj) => 0;
    }
}
