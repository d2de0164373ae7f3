using System.Text.Json.Nodes;
using Twinforge.Engine.Checkpoints;
using Twinforge.Engine.Lora;
using Twinforge.Engine.Models;
using Twinforge.Engine.Tests.Models;
using static Twinforge.Engine.Tests.Lora.LoraTestModels;
using static TorchSharp.torch;

namespace Twinforge.Engine.Tests.Lora;

[Collection("Torch")]
public sealed class PeftAdapterTests
{
    [Theory]
    [MemberData(nameof(LoraTestModels.Families), MemberType = typeof(LoraTestModels))]
    public void Saved_keys_and_shapes_follow_peft(string configName)
    {
        var config = TinyModels.ByName(configName);
        using var model = TinyModels.Create(config);
        var adapters = LoraInjector.Apply(model, DefaultConfig(model, rank: 3), seed: 2);
        using var directory = new TemporaryDirectory();

        PeftAdapter.Save(adapters, directory.Path, baseModelNameOrPath: "tiny-base");

        using var file = SafetensorsFile.Open(directory.File("adapter_model.safetensors"));
        Assert.Equal(adapters.Modules.Count * 2, file.TensorNames.Count);
        Assert.All(file.TensorNames, name => Assert.StartsWith("base_model.model.", name));
        Assert.All(file.TensorNames, name => Assert.Matches(@"\.lora_[AB]\.weight$", name));
        Assert.DoesNotContain(file.TensorNames, name => name.Contains(".default."));
        // (r, in) and (out, r) for Conv1D too: GPT-2's fused c_attn maps 32 → 96.
        var (a, b) = config.Family == ModelFamily.Gpt2
            ? ("base_model.model.transformer.h.0.attn.c_attn.lora_A.weight", "base_model.model.transformer.h.0.attn.c_attn.lora_B.weight")
            : ("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight");
        Assert.Equal(new long[] { 3, 32 }, file.GetInfo(a).Shape);
        Assert.Equal(new long[] { config.Family == ModelFamily.Gpt2 ? 96 : 32, 3 }, file.GetInfo(b).Shape);
        Assert.Equal("pt", file.Metadata["format"]);
    }

    [Theory]
    [MemberData(nameof(LoraTestModels.Families), MemberType = typeof(LoraTestModels))]
    public void Adapter_config_has_peft_fields(string configName)
    {
        var config = TinyModels.ByName(configName);
        using var model = TinyModels.Create(config);
        var lora = DefaultConfig(model) with { Rank = 4, Alpha = 8, Dropout = 0.1, UseRsLora = true };
        var adapters = LoraInjector.Apply(model, lora, seed: 2);
        using var directory = new TemporaryDirectory();

        PeftAdapter.Save(adapters, directory.Path, baseModelNameOrPath: "openai-community/gpt2");

        var json = JsonNode.Parse(File.ReadAllText(directory.File("adapter_config.json")))!.AsObject();
        Assert.Equal("LORA", (string?)json["peft_type"]);
        Assert.Equal("CAUSAL_LM", (string?)json["task_type"]);
        Assert.Equal(4, (int)json["r"]!);
        Assert.Equal("8", json["lora_alpha"]!.ToJsonString());
        Assert.Equal(0.1, (double)json["lora_dropout"]!);
        Assert.Equal(LoraConfig.DefaultTargets(config.Family), json["target_modules"]!.AsArray().Select(n => (string)n!));
        Assert.True((bool)json["use_rslora"]!);
        Assert.Equal(config.Family == ModelFamily.Gpt2, (bool)json["fan_in_fan_out"]!);
        Assert.Equal("none", (string?)json["bias"]);
        Assert.True((bool)json["inference_mode"]!);
        Assert.True((bool)json["init_lora_weights"]!);
        Assert.Equal("openai-community/gpt2", (string?)json["base_model_name_or_path"]);
        Assert.True(json.ContainsKey("modules_to_save") && json["modules_to_save"] is null);
        Assert.True(json.ContainsKey("revision") && json["revision"] is null);
    }

    [Fact]
    public void A_target_pattern_is_saved_as_peft_regex_string_and_read_back()
    {
        using var model = TinyModels.Create(TinyModels.Llama());
        var adapters = LoraInjector.Apply(model, new LoraConfig { TargetPattern = @".*\.(q|v)_proj" }, seed: 2);
        using var directory = new TemporaryDirectory();
        PeftAdapter.Save(adapters, directory.Path);

        var json = JsonNode.Parse(File.ReadAllText(directory.File("adapter_config.json")))!.AsObject();
        Assert.Equal(@".*\.(q|v)_proj", (string?)json["target_modules"]);
        Assert.True(json["base_model_name_or_path"] is null);
        var read = PeftAdapter.ReadConfig(directory.Path);
        Assert.Equal(@".*\.(q|v)_proj", read.TargetPattern);
        Assert.Empty(read.TargetModules);
    }

    [Theory]
    [MemberData(nameof(LoraTestModels.Families), MemberType = typeof(LoraTestModels))]
    public void Save_then_load_gives_bit_identical_adapters_and_logits(string configName)
    {
        var config = TinyModels.ByName(configName);
        using var model = TinyModels.Create(config);
        var lora = DefaultConfig(model) with { UseRsLora = true, Dropout = 0.05 };
        var adapters = LoraInjector.Apply(model, lora, seed: 2);
        PerturbB(adapters);
        var tokens = Tokens(config);
        using var expected = Logits(model, tokens);
        using var directory = new TemporaryDirectory();
        PeftAdapter.Save(adapters, directory.Path);

        using var fresh = TinyModels.Create(config);
        var loaded = PeftAdapter.Load(fresh, directory.Path);
        using var actual = Logits(fresh, tokens);

        Assert.Equal(lora.Rank, loaded.Config.Rank);
        Assert.Equal(lora.Alpha, loaded.Config.Alpha);
        Assert.Equal(lora.Dropout, loaded.Config.Dropout);
        Assert.True(loaded.Config.UseRsLora);
        Assert.Equal(lora.TargetModules, loaded.Config.TargetModules);
        var saved = adapters.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        Assert.Equal(saved.Keys, loaded.NamedParameters().Select(p => p.Name));
        foreach (var (name, parameter) in loaded.NamedParameters())
        {
            Assert.True(BitwiseEqual(saved[name].detach(), parameter.detach()), name);
            Assert.True(parameter.requires_grad, name);
        }
        Assert.True(BitwiseEqual(expected, actual));
    }

    [Fact]
    public void Saving_is_deterministic_and_leaves_no_temporary_files()
    {
        using var model = TinyModels.Create(TinyModels.Gpt2());
        var adapters = LoraInjector.Apply(model, DefaultConfig(model), seed: 2);
        PerturbB(adapters);
        using var directory = new TemporaryDirectory();
        PeftAdapter.Save(adapters, directory.Sub("one"));
        PeftAdapter.Save(adapters, directory.Sub("two"));
        PeftAdapter.Save(adapters, directory.Sub("two"));

        foreach (var file in new[] { "adapter_model.safetensors", "adapter_config.json" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(directory.Path, "one", file)), File.ReadAllBytes(Path.Combine(directory.Path, "two", file)));
        Assert.Equal(2, Directory.GetFiles(Path.Combine(directory.Path, "two")).Length);
    }

    [Fact]
    public void Missing_r_is_reported_with_file_and_field()
    {
        using var fixture = SavedAdapter();
        EditConfig(fixture, json => json.Remove("r"));
        var error = LoadFails(fixture);
        Assert.Equal("r", error.Item);
        Assert.EndsWith("adapter_config.json", error.FilePath);
    }

    [Theory]
    [InlineData("peft_type", "\"PREFIX_TUNING\"", "unsupported adapter type")]
    [InlineData("r", "\"eight\"", "expected an integer")]
    [InlineData("r", "0", "at least 1")]
    [InlineData("lora_alpha", "-1", "positive")]
    [InlineData("task_type", "\"SEQ_CLS\"", "unsupported task type")]
    [InlineData("target_modules", "[]", "empty")]
    [InlineData("target_modules", "7", "expected a list")]
    [InlineData("use_dora", "true", "DoRA")]
    [InlineData("bias", "\"all\"", "not supported")]
    [InlineData("modules_to_save", "[\"lm_head\"]", "not supported")]
    [InlineData("rank_pattern", "{\"q_proj\": 4}", "not supported")]
    public void Bad_config_fields_are_reported_by_name(string field, string value, string problem)
    {
        using var fixture = SavedAdapter();
        EditConfig(fixture, json => json[field] = JsonNode.Parse(value));
        var error = LoadFails(fixture);
        Assert.Equal(field, error.Item);
        Assert.Contains(problem, error.Message);
        Assert.EndsWith("adapter_config.json", error.FilePath);
    }

    [Fact]
    public void Malformed_or_missing_config_is_reported()
    {
        using (var fixture = SavedAdapter())
        {
            File.WriteAllText(fixture.Directory.File("adapter_config.json"), "{ \"r\": ");
            Assert.Contains("is not valid JSON", LoadFails(fixture).Message);
        }
        using (var fixture = SavedAdapter())
        {
            File.Delete(fixture.Directory.File("adapter_config.json"));
            Assert.Contains("adapter_config.json not found", LoadFails(fixture).Message);
        }
    }

    [Fact]
    public void A_missing_tensor_file_is_reported()
    {
        using var fixture = SavedAdapter();
        File.Delete(fixture.Directory.File("adapter_model.safetensors"));
        var error = LoadFails(fixture);
        Assert.EndsWith("adapter_model.safetensors", error.FilePath);
        Assert.Contains("not found", error.Message);
    }

    [Fact]
    public void A_file_given_for_the_adapter_directory_is_called_a_file()
    {
        using var fixture = SavedAdapter();
        var weights = fixture.Directory.File("adapter_model.safetensors");

        var error = Assert.Throws<InputFileException>(() => PeftAdapter.Load(fixture.Model, weights));

        Assert.Equal(weights, error.FilePath);
        Assert.Contains("is a file: give the adapter's directory", error.Message);
        Assert.False(fixture.Model.HasAdapters);
    }

    [Fact]
    public void A_wrong_tensor_shape_is_reported_naming_the_tensor()
    {
        using var fixture = SavedAdapter();
        const string key = "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight";
        RewriteTensors(fixture, tensors => tensors[key] = zeros(4, 31));
        var error = LoadFails(fixture);
        Assert.Equal(key, error.Item);
        Assert.Contains("shape mismatch", error.Message);
        Assert.Contains("[4, 31]", error.Message);
        Assert.EndsWith("adapter_model.safetensors", error.FilePath);
        // Said first: an adapter whose shapes differ was trained on another base (its config names which, when it does).
        Assert.Contains("it was trained on another base (its adapter_config.json names", error.Message);
        Assert.Contains("1 of its tensors has a shape other than this model's", error.Message);
    }

    [Fact]
    public void Keys_for_unknown_modules_and_missing_keys_are_reported()
    {
        using (var fixture = SavedAdapter())
        {
            const string key = "base_model.model.model.layers.7.self_attn.q_proj.lora_A.weight";
            RewriteTensors(fixture, tensors => tensors[key] = zeros(4, 32));
            var error = LoadFails(fixture);
            Assert.Equal(key, error.Item);
            Assert.Contains("no module 'model.layers.7.self_attn.q_proj'", error.Message);
        }
        using (var fixture = SavedAdapter())
        {
            const string key = "base_model.model.model.layers.1.mlp.up_proj.lora_B.weight";
            RewriteTensors(fixture, tensors => tensors.Remove(key));
            var error = LoadFails(fixture);
            Assert.Equal(key, error.Item);
            Assert.Contains("missing", error.Message);
        }
    }

    sealed class Fixture(TemporaryDirectory directory, CausalLanguageModel model) : IDisposable
    {
        public TemporaryDirectory Directory => directory;
        public CausalLanguageModel Model => model;

        public void Dispose()
        {
            model.Dispose();
            directory.Dispose();
        }
    }

    /// <summary>A saved Llama adapter and a fresh base model to load it into.</summary>
    static Fixture SavedAdapter()
    {
        var directory = new TemporaryDirectory();
        using (var source = TinyModels.Create(TinyModels.Llama()))
        {
            var adapters = LoraInjector.Apply(source, DefaultConfig(source), seed: 2);
            PeftAdapter.Save(adapters, directory.Path);
        }
        return new Fixture(directory, TinyModels.Create(TinyModels.Llama()));
    }

    static void EditConfig(Fixture fixture, Action<JsonObject> edit)
    {
        var path = fixture.Directory.File("adapter_config.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
    }

    static void RewriteTensors(Fixture fixture, Action<Dictionary<string, Tensor>> edit)
    {
        var path = fixture.Directory.File("adapter_model.safetensors");
        Dictionary<string, Tensor> tensors;
        using (var file = SafetensorsFile.Open(path)) tensors = file.TensorNames.ToDictionary(name => name, file.ReadTensor);
        edit(tensors);
        SafetensorsWriter.Write(path, tensors);
    }

    /// <summary>Loading fails with an <see cref="InputFileException"/> and leaves the model untouched.</summary>
    static InputFileException LoadFails(Fixture fixture)
    {
        var error = Assert.Throws<InputFileException>(() => PeftAdapter.Load(fixture.Model, fixture.Directory.Path));
        Assert.False(fixture.Model.HasAdapters);
        Assert.All(fixture.Model.parameters(), p => Assert.True(p.requires_grad));
        return error;
    }
}
