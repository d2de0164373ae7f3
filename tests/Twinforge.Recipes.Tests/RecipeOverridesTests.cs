using Twinforge.Recipes;
using Twinforge.Engine.Training;

namespace Twinforge.Recipes.Tests;

public sealed class RecipeOverridesTests
{
    [Fact]
    public void Overrides_change_values_of_each_type()
    {
        var recipe = RecipeOverrides.Apply(new Recipe(),
        [
            "training.learning_rate=1e-3",
            "training.max_steps=200",
            "lora.target_modules=q_proj, v_proj",
            "method=full",
            "early_stopping.patience=null",
            "freeze.embeddings=true",
            "data=a.jsonl,b.jsonl",
        ]);

        Assert.Equal(1e-3, recipe.Options.Training.LearningRate);
        Assert.Equal(200, recipe.Options.Training.MaxSteps);
        Assert.Equal(["q_proj", "v_proj"], recipe.Options.Lora!.TargetModules);
        Assert.Equal(FineTuningMethod.Full, recipe.Options.Method);
        Assert.Null(recipe.Options.Training.EarlyStoppingPatience);
        Assert.True(recipe.Options.FreezeEmbeddings);
        // Paths on the command line are relative to where the command runs.
        Assert.Equal([Path.GetFullPath("a.jsonl"), Path.GetFullPath("b.jsonl")], recipe.Data);
    }

    [Fact]
    public void Later_overrides_win_and_others_are_kept()
    {
        var start = new Recipe().With(o => o with { Training = o.Training with { Epochs = 5, BatchSize = 4 } });

        var recipe = RecipeOverrides.Apply(start, ["training.epochs=2", "training.epochs=3"]);

        Assert.Equal(start.With(o => o with { Training = o.Training with { Epochs = 3 } }), recipe);
    }

    [Fact]
    public void Set_serves_the_command_line_typed_options()
    {
        var recipe = RecipeOverrides.Set(new Recipe(), "training.epochs", "4");

        Assert.Equal(4, recipe.Options.Training.Epochs);
        Assert.Contains("training.learning_rate", RecipeOverrides.KnownKeys);
    }

    [Theory]
    [InlineData("training.epochs=three", "training.epochs", "expected an integer, found 'three'")]
    [InlineData("training.learning_rate=fast", "training.learning_rate", "expected a number")]
    [InlineData("method=lorra", "method", "expected one of lora, full, from_scratch")]
    [InlineData("training.epochs=null", "training.epochs", "found nothing (null)")]
    public void A_value_of_the_wrong_type_names_the_key(string assignment, string key, string problem)
    {
        var error = Assert.Throws<RecipeException>(() => RecipeOverrides.Apply(new Recipe(), [assignment]));

        Assert.Equal(key, error.KeyPath);
        Assert.Contains(problem, error.Message);
        Assert.StartsWith($"'{key}': ", error.Message);
    }

    [Theory]
    [InlineData("training.learnig_rate=1", "did you mean 'training.learning_rate'")]
    [InlineData("trainig.epochs=1", "did you mean 'training'")]
    [InlineData("lora=8", "is a section")]
    public void An_unknown_key_is_named_with_the_closest_known_key(string assignment, string suggestion)
    {
        var error = Assert.Throws<RecipeException>(() => RecipeOverrides.Apply(new Recipe(), [assignment]));

        Assert.Equal(assignment[..assignment.IndexOf('=')], error.KeyPath);
        Assert.Contains(suggestion, error.Problem);
    }

    [Fact]
    public void An_out_of_range_value_names_the_key()
    {
        var error = Assert.Throws<RecipeException>(() => RecipeOverrides.Apply(new Recipe(), ["training.batch_size=0"]));

        Assert.Equal("training.batch_size", error.KeyPath);
        Assert.Equal("must be at least 1, got 0", error.Problem);
    }

    [Fact]
    public void An_assignment_without_a_value_is_explained()
    {
        var error = Assert.Throws<RecipeException>(() => RecipeOverrides.Apply(new Recipe(), ["training.epochs"]));

        Assert.Contains("key.path=value", error.Message);
    }
}
