using Twinforge.Recipes;
using Twinforge.Engine.Lora;
using Twinforge.Engine.Models;
using Twinforge.Engine.Training;

namespace Twinforge.Recipes.Tests;

public sealed class RecipeMapperTests
{
    [Fact]
    public void A_default_recipe_maps_to_the_engine_defaults()
    {
        FullRecipe.AssertEqual(new FineTuningOptions(), RecipeMapper.ToFineTuningOptions(new Recipe()));
    }

    [Fact]
    public void Lora_settings_without_targets_leave_the_targets_to_the_base_models_family()
    {
        var recipe = new Recipe().With(o => o with { Lora = new LoraConfig { Rank = 4 } });

        var options = RecipeMapper.ToFineTuningOptions(recipe);

        Assert.Equal(4, options.Lora!.Rank);
        Assert.Empty(options.Lora.TargetModules);
        Assert.Equal(LoraConfig.DefaultTargets(ModelFamily.Gpt2), options.Lora.ForFamily(ModelFamily.Gpt2).TargetModules);
    }

    [Fact]
    public void Lora_settings_left_at_their_defaults_are_the_engines_null()
    {
        var recipe = RecipeOverrides.Apply(new Recipe(), ["lora.rank=8", "lora.alpha=16"]);

        Assert.Null(RecipeMapper.ToFineTuningOptions(recipe).Lora);
    }

    [Fact]
    public void Methods_other_than_lora_carry_no_adapter_settings()
    {
        var recipe = new Recipe().With(o => o with { Method = FineTuningMethod.Full, Lora = new LoraConfig { Rank = 4 }, FrozenLayers = 2 });

        var options = RecipeMapper.ToFineTuningOptions(recipe);

        Assert.Null(options.Lora);
        Assert.Equal(2, options.FrozenLayers);
    }

    [Fact]
    public void An_out_of_range_value_set_in_code_names_the_recipe_key()
    {
        var recipe = new Recipe().With(o => o with { Training = o.Training with { KeepLastCheckpoints = 0 } });

        var error = Assert.Throws<RecipeException>(() => RecipeMapper.ToFineTuningOptions(recipe));

        Assert.Equal("checkpoints.keep_last", error.KeyPath);
    }

    [Fact]
    public void Both_target_modules_and_a_pattern_are_refused_by_key()
    {
        var recipe = new Recipe().With(o => o with { Lora = new LoraConfig { TargetModules = ["q_proj"], TargetPattern = ".*proj" } });

        var error = Assert.Throws<RecipeException>(() => RecipeMapper.ToFineTuningOptions(recipe));

        Assert.Equal("lora.target_pattern", error.KeyPath);
    }

    [Fact]
    public void Missing_base_data_and_output_are_named()
    {
        var empty = new Recipe();

        Assert.Equal("base", Assert.Throws<RecipeException>(() => RecipeMapper.BaseModel(empty)).KeyPath);
        Assert.Equal("data", Assert.Throws<RecipeException>(() => RecipeMapper.DataFiles(empty)).KeyPath);
        Assert.Equal("output", Assert.Throws<RecipeException>(() => RecipeMapper.OutputDirectory(empty)).KeyPath);
        Assert.Null(RecipeMapper.ValidationFile(empty));
    }

    [Fact]
    public void Options_set_in_code_map_to_a_recipe_that_means_the_same_options()
    {
        using var recipeDirectory = new RecipeDirectory();
        var options = FullRecipe.ExpectedOptions(recipeDirectory);

        var recipe = RecipeMapper.ToRecipe(options, "models/base", ["a.jsonl"], "runs/x");

        FullRecipe.AssertEqual(options, RecipeMapper.ToFineTuningOptions(recipe));
        Assert.Equal("models/base", recipe.Base);
        Assert.Equal(["a.jsonl"], recipe.Data);
        // And through the YAML a run directory keeps.
        var reloaded = RecipeLoader.Load(recipeDirectory.Write("again.yaml", RecipeWriter.ToYaml(recipe)));
        FullRecipe.AssertEqual(options, RecipeMapper.ToFineTuningOptions(reloaded));
    }

    [Fact]
    public void An_initial_adapter_continues_lora_with_its_own_shape()
    {
        var recipe = new Recipe().With(o => o with { InitialAdapter = "/runs/v1/adapter" });

        var options = RecipeMapper.ToFineTuningOptions(recipe);

        Assert.Equal("/runs/v1/adapter", options.InitialAdapter);
        Assert.Null(options.Lora);
        Assert.Equal("/runs/v1/adapter", RecipeMapper.ToRecipe(options, null, [], null).Options.InitialAdapter);
        Assert.Equal("lora", Assert.Throws<RecipeException>(() => RecipeMapper.ToFineTuningOptions(recipe.With(o => o with { Lora = new LoraConfig { Rank = 4 } }))).KeyPath);
        Assert.Equal("method", Assert.Throws<RecipeException>(() => RecipeMapper.ToFineTuningOptions(recipe.With(o => o with { Method = FineTuningMethod.Full }))).KeyPath);
    }
}
