using Twinforge.Cli.BuiltIn;
using Twinforge.Recipes;

namespace Twinforge.Cli.Tests;

public sealed class BuiltInRecipeTests
{
    [Fact]
    public void The_built_in_pretraining_options_survive_the_round_trip_through_a_recipe()
    {
        var options = BuiltInBaseModel.PretrainingOptions(BuiltInModelSize.Standard);

        var reloaded = RecipeMapper.ToFineTuningOptions(RecipeMapper.ToRecipe(options, "initial", ["corpus.txt"], "run"));

        Assert.Equal(options, reloaded);
    }
}
