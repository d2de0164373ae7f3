using Twinforge.Engine.Data;
using Twinforge.Engine.Lora;
using Twinforge.Engine.Training;
using Twinforge.Recipes;

namespace Twinforge.Twins.Tests;

/// <summary>A twin's recorded recipe is recipe.yaml's format: the same keys, readable by <c>twinforge finetune --recipe</c>.</summary>
public sealed class TwinRecipeTests
{
    static readonly TwinRecipe Recipe = new()
    {
        UpdateMode = UpdateMode.Continue,
        Options = TwinRecipe.DefaultOptions with
        {
            Lora = new LoraConfig { Rank = 4, Alpha = 8, TargetModules = ["q_proj", "v_proj"] },
            Data = new() { SequenceLength = 96, ValidationFraction = 0.2, Overlong = OverlongPolicy.TruncateLeft, ValidationFile = "/tmp/scratch/held.jsonl" },
            Training = new TrainingOptions { MaxSteps = 6, Precision = TrainingPrecision.Float32, EarlyStoppingPatience = null },
            ReplayFile = "/tmp/scratch/replay.jsonl",
            ReplayFraction = 0.4,
        },
    };

    [Fact]
    public void The_recorded_text_is_recipe_yaml_without_files_and_reads_back_as_recorded()
    {
        var text = Recipe.ToText();

        Assert.StartsWith("#", text);
        Assert.Contains("training:\n", text.ReplaceLineEndings("\n"));
        Assert.Contains("  validation_fraction: 0.2\n", text.ReplaceLineEndings("\n"));
        Assert.DoesNotContain("/tmp/scratch", text);
        Assert.DoesNotContain("replay_file", text);
        Assert.Equal(Recipe.Recorded(), TwinRecipe.FromText(text));
        Assert.Equal(0.2, TwinRecipe.FromText(text).NewDataHeldOutFraction);
        Assert.Equal(0.4, TwinRecipe.FromText(text).ReplayFraction);
    }

    [Fact]
    public void A_refitting_recipe_records_its_update_mode_and_a_continuing_one_reads_as_before()
    {
        Assert.Equal(UpdateMode.Refit, new TwinRecipe().UpdateMode); // the default, measured better (README)
        var refit = Recipe with { UpdateMode = UpdateMode.Refit };
        var text = refit.ToText();
        Assert.EndsWith("update_mode: refit\n", text.ReplaceLineEndings("\n"));
        Assert.Equal(UpdateMode.Refit, TwinRecipe.FromText(text).UpdateMode);
        Assert.Equal(refit.Recorded(), TwinRecipe.FromText(text));

        Assert.DoesNotContain("update_mode", Recipe.ToText()); // texts recorded before the key existed read as continue
        Assert.Equal(UpdateMode.Continue, TwinRecipe.FromText(Recipe.ToText()).UpdateMode);
        var error = Assert.Throws<ArgumentException>(() => TwinRecipe.FromText(Recipe.ToText() + "update_mode: restart\n"));
        Assert.Contains("update_mode: 'restart' is neither continue nor refit", error.Message);
    }

    [Fact]
    public void The_recorded_text_is_a_recipe_file_the_command_line_reads()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("twinforge-twin-recipe-").FullName, "recipe.yaml");
        File.WriteAllText(file, Recipe.ToText());

        var loaded = RecipeLoader.Load(file);

        Assert.Equal(Recipe.Recorded().Options.Training, loaded.Options.Training);
        Assert.Equal(Recipe.Options.Lora, loaded.Options.Lora);
        Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
    }

    [Fact]
    public void A_recipe_recorded_as_json_by_earlier_versions_still_reads()
    {
        const string json = """
            {"options":{"method":"lora","lora":{"rank":4,"alpha":8,"dropout":0,"target_modules":["q_proj"],"use_rs_lora":false},
             "freeze_embeddings":false,"frozen_layers":0,"training":{"epochs":2,"batch_size":4,"learning_rate":0.01,"precision":"float32"},
             "data":{"sequence_length":96,"overlong":"truncate_left"},"replay_fraction":0.25,"save_merged_model":false},
             "new_data_held_out_fraction":0.2,"replay_fraction":0.4}
            """;

        var recipe = TwinRecipe.FromText(json);

        Assert.Equal(0.2, recipe.NewDataHeldOutFraction);
        Assert.Equal(0.4, recipe.ReplayFraction);
        Assert.Equal(4, recipe.Options.Lora!.Rank);
        Assert.Equal(OverlongPolicy.TruncateLeft, recipe.Options.Data.Overlong);
        Assert.Equal(2, recipe.Options.Training.Epochs);
    }

    [Fact]
    public void A_recorded_recipe_naming_a_file_is_refused_by_key()
    {
        var error = Assert.Throws<Engine.InputFileException>(() => TwinRecipe.FromText("regularization:\n  replay_file: somewhere.jsonl\n"));

        Assert.Contains("regularization.replay_file", error.Message);
        Assert.Contains("without files", error.Message);
    }
}
