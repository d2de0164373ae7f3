using Twinforge.Engine.Lora;
using Twinforge.Recipes;

namespace Twinforge.Recipes.Tests;

public sealed class RecipeWriterTests : IDisposable
{
    readonly RecipeDirectory directory = new();

    public void Dispose() => directory.Dispose();

    Recipe WriteAndLoad(Recipe recipe)
    {
        var path = Path.Combine(directory.Path, "run", "recipe.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        RecipeWriter.Write(recipe, path);
        return RecipeLoader.Load(path);
    }

    [Fact]
    public void A_full_recipe_after_overrides_reads_back_equal()
    {
        var recipe = RecipeOverrides.Apply(RecipeLoader.Load(directory.Write("alice.yaml", FullRecipe.Yaml)),
            ["training.learning_rate=3e-4", "training.adam_epsilon=1e-9"]);

        Assert.Equal(recipe, WriteAndLoad(recipe));
    }

    [Fact]
    public void A_default_recipe_reads_back_equal()
    {
        Assert.Equal(new Recipe(), WriteAndLoad(new Recipe()));
        Assert.Equal(new Recipe { Base = Recipe.BuiltInBase }, WriteAndLoad(new Recipe { Base = Recipe.BuiltInBase }));
    }

    [Fact]
    public void Text_that_looks_like_another_type_stays_text()
    {
        var recipe = new Recipe().With(o => o with
        {
            Lora = new LoraConfig { TargetModules = ["null", "3", "true", "a: b", "# not a comment"] },
            Data = o.Data with { PlainTextSeparator = "~" },
        });

        Assert.Equal(recipe, WriteAndLoad(recipe));
    }

    [Fact]
    public void The_written_recipe_lists_every_key_in_sections()
    {
        var yaml = RecipeWriter.ToYaml(new Recipe());

        Assert.StartsWith("#", yaml);
        Assert.Contains("training:\n  epochs: 3\n", yaml.ReplaceLineEndings("\n"));
        Assert.Contains("target_modules: []", yaml);
        foreach (var key in RecipeOverrides.KnownKeys) Assert.Contains(key[(key.LastIndexOf('.') + 1)..] + ":", yaml);
    }
}
