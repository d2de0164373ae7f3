using Twinforge.Engine;
using Twinforge.Engine.Data;
using Twinforge.Engine.Lora;
using Twinforge.Engine.Training;

namespace Twinforge.Recipes.Tests;

/// <summary>The schema is read from the engine's option records: an option is declared once, and its documentation is checked.</summary>
public sealed class RecipeSchemaTests
{
    [Fact]
    public void Every_setting_of_the_engines_option_records_has_a_recipe_key()
    {
        var keyed = RecipeKeys.All.Select(key => key.Path).ToHashSet();

        foreach (var record in new[] { typeof(FineTuningOptions), typeof(TrainingOptions), typeof(TrainingDataOptions), typeof(LoraConfig) })
            foreach (var property in record.GetProperties().Where(p => p.SetMethod is { IsPublic: true }))
            {
                if (property.PropertyType is var type && (type == typeof(TrainingOptions) || type == typeof(TrainingDataOptions) || type == typeof(LoraConfig)))
                    continue; // a section, not a setting
                if (property.IsDefined(typeof(NotInRecipesAttribute), inherit: true)) continue;
                var attribute = property.GetCustomAttributes(typeof(RecipeKeyAttribute), inherit: true).Cast<RecipeKeyAttribute>().SingleOrDefault();
                Assert.True(attribute is not null, $"{record.Name}.{property.Name} has no recipe key");
                Assert.Contains(attribute.Path, keyed);
            }
    }

    sealed record OptionsWithAForgottenSetting
    {
        [RecipeKey("training.epochs")] public int Epochs { get; init; }

        public int Forgotten { get; init; }
    }

    [Fact]
    public void A_setting_that_is_neither_a_key_nor_marked_stops_the_schema_from_building()
    {
        var error = Assert.Throws<InvalidOperationException>(() => RecipeKeys.OptionKeys(typeof(OptionsWithAForgottenSetting)).ToList());

        Assert.Contains("OptionsWithAForgottenSetting.Forgotten", error.Message);
    }

    [Fact]
    public void Keys_take_their_type_from_the_engines_property()
    {
        Assert.Equal("an integer", RecipeKeys.Find("training.epochs")!.Expected);
        Assert.Equal("an integer or null", RecipeKeys.Find("early_stopping.patience")!.Expected);
        Assert.Equal("one of automatic, float32, bfloat16_mixed", RecipeKeys.Find("training.precision")!.Expected);
        Assert.True(RecipeKeys.Find("lora.target_modules")!.IsList);
        Assert.True(RecipeKeys.Find("regularization.replay_file")!.IsPath);
        Assert.False(RecipeKeys.Find("data_options.plain_text_separator")!.IsPath);
    }

    [Fact]
    public void An_engine_problem_is_named_by_the_key_of_the_property_at_fault()
    {
        Assert.Equal("early_stopping.patience", RecipeKeys.PathOf(typeof(TrainingOptions), nameof(TrainingOptions.EarlyStoppingPatience)));
        Assert.Equal("data_options.sequence_length", RecipeKeys.PathOf(typeof(TrainingDataOptions), nameof(TrainingDataOptions.SequenceLength)));
        Assert.Equal("lora", RecipeKeys.PathOf(typeof(FineTuningOptions), nameof(FineTuningOptions.Lora)));
        Assert.Null(RecipeKeys.PathOf(typeof(FineTuningOptions), nameof(FineTuningOptions.Training))); // spans sections
    }

    [Fact]
    public void The_readme_documents_every_key_with_the_engines_default()
    {
        var readme = File.ReadAllText(Path.Combine(Twinforge.Tests.Shared.Repository.Root, "src", "Twinforge.Recipes", "README.md"));
        var start = readme.IndexOf("```yaml\n", StringComparison.Ordinal) + "```yaml\n".Length;
        var example = readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)];

        var documented = new HashSet<string>();
        void Collect(RecipeMapping mapping, string? section)
        {
            foreach (var entry in mapping.Entries)
            {
                var path = section is null ? entry.Key : $"{section}.{entry.Key}";
                if (entry.Value is RecipeMapping nested) Collect(nested, path);
                else documented.Add(path);
            }
        }
        Collect((RecipeMapping)RecipeYamlParser.Parse("README.md", example), section: null);
        Assert.Equal(RecipeKeys.All.Select(key => key.Path).Order(), documented.Order());

        using var directory = new RecipeDirectory();
        var read = RecipeLoader.Load(directory.Write("readme.yaml", example));
        Assert.Equal(new Recipe().Options, read.Options);
    }
}
