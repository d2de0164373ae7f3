using Twinforge.Engine;
using Twinforge.Engine.Training;

namespace Twinforge.Recipes.Tests;

/// <summary>Settings without files (the service's jobs): JSON objects and assignments, strict, refusing every key that names a file.</summary>
public sealed class RecipeSettingsTests
{
    static readonly FineTuningOptions Defaults = new() { SaveMergedModel = false };

    [Fact]
    public void A_json_object_sets_keys_over_the_defaults_and_keeps_the_rest()
    {
        var options = RecipeSettings.ReadJson("twinforge.recipe",
            """{"lora": {"rank": 4, "alpha": 8}, "training": {"max_steps": 20, "learning_rate": 0.01}, "checkpoints": {"every_steps": 5}}""", Defaults);

        Assert.Equal(4, options.Lora!.Rank);
        Assert.Equal(8, options.Lora.Alpha);
        Assert.Equal(20, options.Training.MaxSteps);
        Assert.Equal(0.01, options.Training.LearningRate);
        Assert.Equal(5, options.Training.CheckpointEverySteps);
        Assert.False(options.SaveMergedModel);
        Assert.Equal(Defaults.Training.BatchSize, options.Training.BatchSize);
    }

    [Fact]
    public void Unknown_keys_wrong_types_and_values_out_of_range_are_each_named()
    {
        var error = Assert.Throws<InputFileException>(() => RecipeSettings.ReadJson("twinforge.recipe",
            """{"training": {"learning_rat": 0.1, "batch_size": "eight", "epochs": 0}}""", Defaults));

        var keys = error.Errors.Select(e => e.Item).ToList();
        Assert.Contains("training.learning_rat", keys);
        Assert.Contains("training.batch_size", keys);
        Assert.Contains("training.epochs", keys);
        Assert.Contains("training.learning_rate", error.Message); // the nearest known key
    }

    [Theory]
    [InlineData("""{"data": ["/etc/passwd"]}""", "data")]
    [InlineData("""{"base": "builtin"}""", "base")]
    [InlineData("""{"output": null}""", "output")]
    [InlineData("""{"validation": "../registry.db"}""", "validation")]
    [InlineData("""{"initial_adapter": "/tmp/a"}""", "initial_adapter")]
    [InlineData("""{"regularization": {"replay_file": "x.jsonl"}}""", "regularization.replay_file")]
    public void Keys_that_name_files_are_refused_whatever_their_value(string json, string key)
    {
        var error = Assert.Throws<InputFileException>(() => RecipeSettings.ReadJson("twinforge.recipe", json, Defaults));

        Assert.Equal(key, Assert.Single(error.Errors).Item);
        Assert.Contains("names a file or directory", error.Message);
    }

    [Fact]
    public void Malformed_json_names_the_line_and_column()
    {
        var error = Assert.Throws<InputFileException>(() => RecipeSettings.ReadJson("twinforge.recipe", "{\"training\": {\"epochs\": 2,}}", Defaults));

        Assert.Contains("not valid JSON", error.Message);
        Assert.Equal(1, error.Line);
    }

    [Fact]
    public void Assignments_apply_in_order_and_refuse_file_keys()
    {
        var options = RecipeSettings.Apply(Defaults, ["training.max_steps=20", "early_stopping.patience=null", "training.max_steps=30"]);

        Assert.Equal(30, options.Training.MaxSteps);
        Assert.Null(options.Training.EarlyStoppingPatience);
        Assert.Equal("data", Assert.Throws<RecipeException>(() => RecipeSettings.Apply(Defaults, ["data=/etc/passwd"])).KeyPath);
        Assert.Equal("regularization.replay_file",
            Assert.Throws<RecipeException>(() => RecipeSettings.Apply(Defaults, ["regularization.replay_file=a.jsonl"])).KeyPath);
        Assert.Equal("training.epochs", Assert.Throws<RecipeException>(() => RecipeSettings.Apply(Defaults, ["training.epochs=0"])).KeyPath);
        Assert.Throws<RecipeException>(() => RecipeSettings.Apply(Defaults, ["no equals sign"]));
    }

    [Fact]
    public void The_file_keys_are_those_the_readme_names()
    {
        Assert.Equal(["base", "data", "initial_adapter", "output", "regularization.replay_file", "validation"], RecipeSettings.FileKeys.Order());
    }
}
