using Twinforge.Engine.Lora;
using Twinforge.Engine.Models;
using Twinforge.Engine.Tests.Models;
using static Twinforge.Engine.Tests.Lora.LoraTestModels;
using static TorchSharp.torch;

namespace Twinforge.Engine.Tests.Lora;

[Collection("Torch")]
public sealed class LoraInjectionTests
{
    [Theory]
    [MemberData(nameof(TinyModels.AllConfigs), MemberType = typeof(TinyModels))]
    public void Injecting_with_zero_B_gives_bitwise_the_base_logits(string configName)
    {
        var config = TinyModels.ByName(configName);
        using var model = TinyModels.Create(config);
        var tokens = Tokens(config);
        using var before = Logits(model, tokens);

        var adapters = LoraInjector.Apply(model, DefaultConfig(model), seed: 3);
        using var after = Logits(model, tokens);

        Assert.NotEmpty(adapters.Modules);
        Assert.True(BitwiseEqual(before, after), "a zero B must leave the logits bit-identical");
        Assert.All(adapters.Modules, module => Assert.NotEqual(0.0, module.Adapter.A.abs().sum().item<float>()));
    }

    [Theory]
    [MemberData(nameof(LoraTestModels.Families), MemberType = typeof(LoraTestModels))]
    public void Default_targets_adapt_every_block_projection_and_name_parameters_like_peft(string configName)
    {
        var config = TinyModels.ByName(configName);
        using var model = TinyModels.Create(config);
        var adapters = LoraInjector.Apply(model, DefaultConfig(model), seed: 3);

        int perBlock = config.Family == ModelFamily.Gpt2 ? 4 : 7;
        Assert.Equal(perBlock * config.LayerCount, adapters.Modules.Count);
        Assert.DoesNotContain(adapters.Modules, module => module.Name == ModuleNames.LanguageModelHead);
        var loraNames = model.named_parameters().Select(p => p.name).Where(name => name.Contains("lora_")).Order().ToList();
        Assert.Equal(adapters.NamedParameters().Select(p => p.Name).Order(), loraNames);
        var expected = config.Family == ModelFamily.Gpt2
            ? new[] { "transformer.h.0.attn.c_attn.lora_A.weight", "transformer.h.1.mlp.c_proj.lora_B.weight" }
            : ["model.layers.0.self_attn.q_proj.lora_A.weight", "model.layers.1.mlp.down_proj.lora_B.weight"];
        Assert.All(expected, name => Assert.Contains(name, loraNames));
    }

    [Theory]
    [MemberData(nameof(LoraTestModels.Families), MemberType = typeof(LoraTestModels))]
    public void Factors_have_peft_shapes_and_A_is_kaiming_uniform(string configName)
    {
        var config = TinyModels.ByName(configName);
        using var model = TinyModels.Create(config);
        var adapters = LoraInjector.Apply(model, DefaultConfig(model, rank: 3), seed: 3);

        foreach (var module in adapters.Modules)
        {
            var adapter = module.Adapter;
            Assert.Equal(new long[] { 3, module.Projection.InFeatures }, adapter.A.shape);
            Assert.Equal(new long[] { module.Projection.OutFeatures, 3 }, adapter.B.shape);
            Assert.Equal(0.0, adapter.B.abs().max().item<float>());
            // torch's kaiming_uniform_(a=√5) bound: √(2/6)·√(3/in) = 1/√in.
            double bound = 1.0 / Math.Sqrt(module.Projection.InFeatures);
            Assert.True(adapter.A.abs().max().item<float>() <= bound + 1e-7);
            Assert.True(adapter.A.abs().max().item<float>() > 0.5 * bound, "A should fill its range");
        }
    }

    [Fact]
    public void The_same_seed_gives_the_same_A_and_another_seed_a_different_one()
    {
        using var first = TinyModels.Create(TinyModels.Llama());
        using var second = TinyModels.Create(TinyModels.Llama());
        using var third = TinyModels.Create(TinyModels.Llama());
        var a = LoraInjector.Apply(first, DefaultConfig(first), seed: 9).Modules[0].Adapter.A;
        var b = LoraInjector.Apply(second, DefaultConfig(second), seed: 9).Modules[0].Adapter.A;
        var c = LoraInjector.Apply(third, DefaultConfig(third), seed: 10).Modules[0].Adapter.A;
        Assert.True(BitwiseEqual(a, b));
        Assert.False(BitwiseEqual(a, c));
    }

    [Theory]
    [MemberData(nameof(LoraTestModels.Families), MemberType = typeof(LoraTestModels))]
    public void Adapted_projection_matches_a_float64_reference(string configName)
    {
        var config = TinyModels.ByName(configName);
        using var model = TinyModels.Create(config);
        var adapters = LoraInjector.Apply(model, DefaultConfig(model) with { UseRsLora = true }, seed: 3);
        PerturbB(adapters);
        var module = adapters.Modules[0];
        var projection = module.Projection;
        using var input = randn([2, 3, projection.InFeatures], generator: new Generator(4));

        using var actual = projection.forward(input).detach();

        // y = x W' + b + s · x Aᵀ Bᵀ with W' the weight as (in, out), all in float64.
        var x = input.to(float64);
        var weightInOut = (projection.Layout == WeightLayout.InputsByOutputs ? projection.weight : projection.weight.t()).detach().to(float64);
        var expected = x.matmul(weightInOut)
            .add(x.matmul(module.Adapter.A.detach().to(float64).t()).matmul(module.Adapter.B.detach().to(float64).t()).mul(8.0 / Math.Sqrt(4)));
        if (projection.bias is not null) expected = expected.add(projection.bias.detach().to(float64));
        Assert.Equal(8.0 / Math.Sqrt(4), module.Adapter.Scaling);
        Assert.True(MaxDifference(actual, expected) < 1e-5, $"max difference {MaxDifference(actual, expected)}");
    }

    [Theory]
    [MemberData(nameof(LoraTestModels.Families), MemberType = typeof(LoraTestModels))]
    public void Only_adapter_parameters_require_and_receive_gradients(string configName)
    {
        var config = TinyModels.ByName(configName);
        using var model = TinyModels.Create(config);
        var adapters = LoraInjector.Apply(model, DefaultConfig(model), seed: 3);
        PerturbB(adapters);
        model.train();

        var trainable = ParameterFreezer.TrainableParameters(model).Select(p => p.Name).Order().ToList();
        Assert.Equal(adapters.NamedParameters().Select(p => p.Name).Order(), trainable);

        using var logits = model.forward(Tokens(config));
        using var loss = logits.pow(2).mean();
        loss.backward();
        foreach (var (name, parameter) in model.named_parameters())
        {
            bool isAdapter = name.Contains(".lora_");
            Assert.Equal(isAdapter, parameter.requires_grad);
            if (isAdapter) Assert.True(parameter.grad is not null && parameter.grad.abs().sum().item<float>() > 0, $"{name} got no gradient");
            else Assert.True(parameter.grad is null, $"{name} is frozen but got a gradient");
        }
    }

    [Fact]
    public void Delta_weight_is_scaling_times_B_A_and_carries_autograd()
    {
        using var model = TinyModels.Create(TinyModels.Llama());
        var adapters = LoraInjector.Apply(model, DefaultConfig(model), seed: 3);
        PerturbB(adapters);
        var module = adapters.Modules[0];

        using var delta = adapters.DeltaWeight(module.Name);
        Assert.Equal(new long[] { module.Projection.OutFeatures, module.Projection.InFeatures }, delta.shape);
        using var expected = module.Adapter.B.detach().to(float64).matmul(module.Adapter.A.detach().to(float64)).mul(2.0);
        Assert.True(MaxDifference(delta.detach(), expected) < 1e-6);
        delta.pow(2).sum().backward();
        Assert.NotNull(module.Adapter.B.grad);
    }

    [Fact]
    public void Dropout_applies_in_training_mode_only()
    {
        using var model = TinyModels.Create(TinyModels.Llama());
        var adapters = LoraInjector.Apply(model, DefaultConfig(model) with { Dropout = 0.5 }, seed: 3);
        PerturbB(adapters, scale: 0.5);
        var tokens = Tokens(model.Config);
        using var evaluation = Logits(model, tokens);
        using var evaluationAgain = Logits(model, tokens);
        Assert.True(BitwiseEqual(evaluation, evaluationAgain));

        model.train();
        model.Randomness.Seed(1);
        using var first = Logits(model, tokens);
        manual_seed(1234); // libtorch's process-wide generator plays no part
        model.Randomness.Seed(1);
        using var same = Logits(model, tokens);
        using var other = Logits(model, tokens);
        Assert.True(BitwiseEqual(first, same), "dropout is driven by the model's own generator");
        Assert.False(BitwiseEqual(first, other));
        Assert.False(BitwiseEqual(first, evaluation));
    }

    [Fact]
    public void Detaching_removes_the_lora_parameters_and_restores_the_base_output()
    {
        using var model = TinyModels.Create(TinyModels.Gpt2());
        var tokens = Tokens(model.Config);
        using var before = Logits(model, tokens);
        var adapters = LoraInjector.Apply(model, DefaultConfig(model), seed: 3);
        PerturbB(adapters);
        Assert.True(model.HasAdapters);

        foreach (var module in adapters.Modules) module.Projection.DetachAdapter()?.Dispose();

        Assert.False(model.HasAdapters);
        Assert.DoesNotContain(model.named_parameters(), p => p.name.Contains("lora_"));
        Assert.DoesNotContain(model.named_modules(), m => m.name.Contains("lora_"));
        using var after = Logits(model, tokens);
        Assert.True(BitwiseEqual(before, after));
    }

    [Fact]
    public void Mixed_precision_runs_the_adapter_in_the_compute_dtype()
    {
        using var model = TinyModels.Create(TinyModels.Llama());
        var adapters = LoraInjector.Apply(model, DefaultConfig(model), seed: 3);
        PerturbB(adapters);
        var tokens = Tokens(model.Config);
        using var full = Logits(model, tokens);
        model.ComputeDType = ScalarType.BFloat16;
        model.train();
        using var mixed = model.forward(tokens);
        mixed.pow(2).mean().backward();

        Assert.Equal(ScalarType.Float32, mixed.dtype);
        double scale = full.abs().max().item<float>();
        Assert.True(MaxDifference(mixed.detach(), full) < 0.05 * scale);
        Assert.All(adapters.NamedParameters(), p => Assert.Equal(ScalarType.Float32, p.Parameter.grad!.dtype));
    }

    [Fact]
    public void Half_precision_models_get_float32_adapters_and_stay_bitwise_equal_with_zero_B()
    {
        using var model = TinyModels.Create(TinyModels.Gpt2(), dtype: ScalarType.BFloat16);
        var tokens = Tokens(model.Config);
        using var before = Logits(model, tokens);
        var adapters = LoraInjector.Apply(model, DefaultConfig(model), seed: 3);
        using var after = Logits(model, tokens);
        Assert.All(adapters.NamedParameters(), p => Assert.Equal(ScalarType.Float32, p.Parameter.dtype));
        Assert.True(BitwiseEqual(before, after));
    }

    [Fact]
    public void A_target_pattern_selects_modules_by_full_match()
    {
        using var model = TinyModels.Create(TinyModels.Llama());
        var config = new LoraConfig { TargetPattern = @"model\.layers\.1\.self_attn\.(q|v)_proj" };
        var adapters = LoraInjector.Apply(model, config, seed: 1);
        Assert.Equal(["model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.v_proj"], adapters.Modules.Select(m => m.Name));

        Assert.False(new LoraConfig { TargetPattern = "q_proj" }.Matches("model.layers.0.self_attn.q_proj"), "the pattern must match the whole name");
        Assert.True(new LoraConfig { TargetPattern = ".*q_proj" }.Matches("model.layers.0.self_attn.q_proj"));
    }

    [Fact]
    public void Target_modules_match_whole_names_or_dotted_suffixes()
    {
        var config = new LoraConfig { TargetModules = ["c_proj", "attn.c_attn"] };
        Assert.True(config.Matches("transformer.h.0.attn.c_proj"));
        Assert.True(config.Matches("transformer.h.0.mlp.c_proj"));
        Assert.True(config.Matches("transformer.h.0.attn.c_attn"));
        Assert.True(config.Matches("c_proj"));
        Assert.False(config.Matches("transformer.h.0.attn.xc_proj"));
        Assert.False(config.Matches("transformer.h.0.mlp.c_fc"));
    }

    [Fact]
    public void No_matching_module_is_an_error_naming_the_targets()
    {
        using var model = TinyModels.Create(TinyModels.Gpt2());
        // The model's modules come from the user's model files, the targets from the user's settings: bad input.
        var error = Assert.Throws<BadInputException>(() =>
            LoraInjector.Apply(model, new LoraConfig { TargetModules = ["q_proj", "v_proj"] }, seed: 1));
        Assert.Contains("q_proj, v_proj", error.Message);
        Assert.Contains("transformer.h.0.attn.c_attn", error.Message);
        Assert.False(model.HasAdapters);
        Assert.All(model.parameters(), p => Assert.True(p.requires_grad, "a failed injection must not freeze the model"));
    }

    [Fact]
    public void Injecting_twice_into_the_same_module_is_refused()
    {
        using var model = TinyModels.Create(TinyModels.Llama());
        LoraInjector.Apply(model, DefaultConfig(model), seed: 1);
        Assert.Throws<InvalidOperationException>(() => LoraInjector.Apply(model, new LoraConfig { TargetModules = ["q_proj"] }, seed: 2));
    }
}
