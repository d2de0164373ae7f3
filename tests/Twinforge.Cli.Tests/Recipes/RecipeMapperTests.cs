using Twinforge.Cli.Recipes;
using Twinforge.Engine.Lora;
using Twinforge.Engine.Models;
using Twinforge.Engine.Training;

namespace Twinforge.Cli.Tests.Recipes;

public sealed class RecipeMapperTests
{
    [Fact]
    public void A_default_recipe_maps_to_the_engine_defaults()
    {
        FullRecipe.AssertEqual(new FineTuningOptions(), RecipeMapper.ToFineTuningOptions(new Recipe()));
    }

    [Fact]
    public void Lora_settings_without_targets_take_the_family_default_targets()
    {
        var recipe = new Recipe { Lora = new RecipeLora { Rank = 4 } };

        var options = RecipeMapper.ToFineTuningOptions(recipe, ModelFamily.Gpt2);

        Assert.Equal(4, options.Lora!.Rank);
        Assert.Equal(LoraConfig.DefaultTargets(ModelFamily.Gpt2), options.Lora.TargetModules);
        var error = Assert.Throws<RecipeException>(() => RecipeMapper.ToFineTuningOptions(recipe));
        Assert.Equal("lora.target_modules", error.KeyPath);
    }

    [Fact]
    public void Methods_other_than_lora_carry_no_adapter_settings()
    {
        var recipe = new Recipe { Method = FineTuningMethod.Full, Lora = new RecipeLora { Rank = 4 }, Freeze = new RecipeFreeze { Layers = 2 } };

        var options = RecipeMapper.ToFineTuningOptions(recipe);

        Assert.Null(options.Lora);
        Assert.Equal(2, options.FrozenLayers);
    }

    [Fact]
    public void An_out_of_range_value_set_in_code_names_the_recipe_key()
    {
        var recipe = new Recipe { Checkpoints = new RecipeCheckpoints { KeepLast = 0 } };

        var error = Assert.Throws<RecipeException>(() => RecipeMapper.ToFineTuningOptions(recipe));

        Assert.Equal("checkpoints.keep_last", error.KeyPath);
    }

    [Fact]
    public void Both_target_modules_and_a_pattern_are_refused_by_key()
    {
        var recipe = new Recipe { Lora = new RecipeLora { TargetModules = ["q_proj"], TargetPattern = ".*proj" } };

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
    public void The_built_in_pretraining_options_survive_the_round_trip()
    {
        var options = Twinforge.Cli.BuiltIn.BuiltInBaseModel.PretrainingOptions(Twinforge.Cli.BuiltIn.BuiltInModelSize.Standard);

        FullRecipe.AssertEqual(options, RecipeMapper.ToFineTuningOptions(RecipeMapper.ToRecipe(options, "initial", ["corpus.txt"], "run")));
    }

    [Fact]
    public void An_initial_adapter_continues_lora_with_its_own_shape()
    {
        var recipe = new Recipe { InitialAdapter = "/runs/v1/adapter" };

        var options = RecipeMapper.ToFineTuningOptions(recipe);

        Assert.Equal("/runs/v1/adapter", options.InitialAdapter);
        Assert.Null(options.Lora);
        Assert.Equal("/runs/v1/adapter", RecipeMapper.ToRecipe(options, null, [], null).InitialAdapter);
        Assert.Equal("lora", Assert.Throws<RecipeException>(() => RecipeMapper.ToFineTuningOptions(recipe with { Lora = new RecipeLora { Rank = 4 } })).KeyPath);
        Assert.Equal("method", Assert.Throws<RecipeException>(() => RecipeMapper.ToFineTuningOptions(recipe with { Method = FineTuningMethod.Full })).KeyPath);
    }
}
