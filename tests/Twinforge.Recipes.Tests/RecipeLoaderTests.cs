using Twinforge.Recipes;
using Twinforge.Engine;
using Twinforge.Engine.Training;

namespace Twinforge.Recipes.Tests;

public sealed class RecipeLoaderTests : IDisposable
{
    readonly RecipeDirectory directory = new();

    public void Dispose() => directory.Dispose();

    InputFileException LoadFails(string name, string text) =>
        Assert.Throws<InputFileException>(() => RecipeLoader.Load(directory.Write(name, text)));

    [Fact]
    public void A_full_yaml_recipe_maps_to_the_expected_options()
    {
        var recipe = RecipeLoader.Load(directory.Write("alice.yaml", FullRecipe.Yaml));

        FullRecipe.AssertEqual(FullRecipe.ExpectedOptions(directory), RecipeMapper.ToFineTuningOptions(recipe));
        Assert.Equal(directory.PathOf("models/gpt2"), RecipeMapper.BaseModel(recipe));
        Assert.Equal([directory.PathOf("alice.jsonl"), directory.PathOf("more/alice2.jsonl")], RecipeMapper.DataFiles(recipe));
        Assert.Equal(directory.PathOf("held_out.jsonl"), RecipeMapper.ValidationFile(recipe));
        Assert.Equal(directory.PathOf("runs/alice-v1"), RecipeMapper.OutputDirectory(recipe));
    }

    [Fact]
    public void The_same_recipe_in_json_gives_an_equal_recipe()
    {
        var fromYaml = RecipeLoader.Load(directory.Write("alice.yml", FullRecipe.Yaml));
        var fromJson = RecipeLoader.Load(directory.Write("alice.json", FullRecipe.Json));

        Assert.Equal(fromYaml, fromJson);
        FullRecipe.AssertEqual(FullRecipe.ExpectedOptions(directory), RecipeMapper.ToFineTuningOptions(fromJson));
    }

    [Theory]
    [InlineData("empty.yaml", "")]
    [InlineData("comment.yaml", "# nothing set\n")]
    [InlineData("sections.yaml", "lora:\ntraining: {}\n")]
    [InlineData("empty.json", "{}")]
    public void Absent_keys_mean_the_engine_defaults(string name, string text)
    {
        var recipe = RecipeLoader.Load(directory.Write(name, text));

        Assert.Equal(new Recipe(), recipe);
        FullRecipe.AssertEqual(new FineTuningOptions(), RecipeMapper.ToFineTuningOptions(recipe));
    }

    [Fact]
    public void Relative_paths_resolve_against_the_recipe_directory()
    {
        var absolute = directory.PathOf("elsewhere/general.txt");
        var recipe = RecipeLoader.Load(directory.Write("recipes/alice.yaml", $"""
            base: builtin
            data: ../data/alice.jsonl
            regularization: {"{"} replay_file: "{absolute}" {"}"}
            """));

        Assert.Equal(Recipe.BuiltInBase, recipe.Base);
        Assert.True(RecipeMapper.UsesBuiltInBase(recipe));
        Assert.Equal([directory.PathOf("data/alice.jsonl")], recipe.Data);
        Assert.Equal(absolute, recipe.Options.ReplayFile);
    }

    [Fact]
    public void A_hub_base_is_kept_as_written_not_resolved_as_a_path()
    {
        var recipe = RecipeLoader.Load(directory.Write("recipes/qwen.yaml", "base: hf:Qwen/Qwen2.5-0.5B-Instruct@main\n"));

        Assert.Equal("hf:Qwen/Qwen2.5-0.5B-Instruct@main", recipe.Base);
        Assert.False(RecipeMapper.UsesBuiltInBase(recipe));
        // No revision means main, written out so the recipe says what it uses.
        Assert.Equal("hf:gpt2@main", RecipeOverrides.Set(recipe, "base", "hf:gpt2").Base);
    }

    [Fact]
    public void A_malformed_hub_base_is_named_with_its_line()
    {
        var error = LoadFails("hub.yaml", "method: lora\nbase: hf:org/name/extra\n");

        Assert.Equal(2, error.Line);
        Assert.Contains("'hf:org/name/extra' is not a Hub model: expected ORG/NAME or ORG/NAME@REVISION", error.Message);
    }

    [Fact]
    public void An_unknown_key_is_named_with_the_closest_known_key()
    {
        var error = LoadFails("typo.yaml", "training:\n  epochs: 2\n  learnig_rate: 1e-3\n");

        Assert.Equal("training.learnig_rate", error.Item);
        Assert.Equal(3, error.Line);
        Assert.Contains("did you mean 'training.learning_rate'", error.Message);
        Assert.Contains("typo.yaml:3", error.Message);
    }

    [Fact]
    public void A_key_in_the_wrong_section_is_pointed_to_its_section()
    {
        var error = LoadFails("misplaced.yaml", "learning_rate: 1e-3\n");

        Assert.Equal("learning_rate", error.Item);
        Assert.Contains("did you mean 'training.learning_rate'", error.Problem);
    }

    [Fact]
    public void An_unknown_section_is_named_with_the_closest_section()
    {
        var error = LoadFails("section.yaml", "trainig:\n  epochs: 2\n");

        Assert.Equal("trainig", error.Item);
        Assert.Contains("did you mean 'training'", error.Problem);
    }

    [Theory]
    [InlineData("training:\n  batch_size: 4\n  epochs: three\n", "training.epochs", 3, "expected an integer, found 'three'")]
    [InlineData("training:\n  learning_rate: [1]\n", "training.learning_rate", 2, "expected a number, found a list")]
    [InlineData("training:\n  epochs: \"3\"\n", "training.epochs", 2, "expected an integer, found the string \"3\"")]
    [InlineData("training:\n  epochs: 2.5\n", "training.epochs", 2, "expected an integer")]
    [InlineData("lora:\n  use_rslora: yes\n", "lora.use_rslora", 2, "expected true or false")]
    [InlineData("data:\n  - a.jsonl\n  - { path: b.jsonl }\n", "data", 3, "expected a path, found a mapping")]
    [InlineData("training: 3\n", "training", 1, "expected a mapping of training settings")]
    public void A_value_of_the_wrong_type_names_the_key_the_expected_type_and_the_line(string yaml, string key, int line, string problem)
    {
        var error = LoadFails("wrong.yaml", yaml);

        Assert.Equal(key, error.Item);
        Assert.Equal(line, error.Line);
        Assert.Contains(problem, error.Problem);
    }

    [Fact]
    public void A_json_value_of_the_wrong_type_names_its_line()
    {
        var error = LoadFails("wrong.json", "{\n  \"training\": {\n    \"epochs\": \"three\"\n  }\n}");

        Assert.Equal("training.epochs", error.Item);
        Assert.Equal(3, error.Line);
        Assert.Contains("expected an integer", error.Problem);
    }

    [Fact]
    public void Malformed_json_names_its_line()
    {
        var error = LoadFails("broken.json", "{\n  \"method\": \"full\",\n  \"output\": \"runs\",\n}");

        Assert.Equal(4, error.Line);
        Assert.Contains("not valid JSON", error.Problem);
    }

    [Fact]
    public void Malformed_yaml_names_its_line()
    {
        var error = LoadFails("broken.yaml", "method: full\ntraining:\n  epochs: [2\n");

        Assert.NotNull(error.Line);
        Assert.Contains("not valid YAML", error.Problem);
    }

    [Fact]
    public void A_key_given_twice_is_an_error()
    {
        var error = LoadFails("twice.json", "{\"method\": \"full\",\n\"method\": \"lora\"}");

        Assert.Equal("method", error.Item);
        Assert.Equal(2, error.Line);
    }

    [Fact]
    public void An_invalid_enum_value_lists_the_choices()
    {
        var error = LoadFails("enum.yaml", "method: lorra\n");

        Assert.Equal("method", error.Item);
        Assert.Equal(1, error.Line);
        Assert.Contains("expected one of lora, full, from_scratch, found 'lorra'", error.Problem);
    }

    [Theory]
    [InlineData("from_scratch")]
    [InlineData("FromScratch")]
    [InlineData("FROM-SCRATCH")]
    [InlineData("\"fromscratch\"")]
    public void Enum_values_ignore_case_and_accept_snake_case(string value)
    {
        var recipe = RecipeLoader.Load(directory.Write("enum.yaml", $"method: {value}\n"));

        Assert.Equal(FineTuningMethod.FromScratch, recipe.Options.Method);
    }

    [Theory]
    [InlineData("training:\n  epochs: 2\n  batch_size: 0\n", "training.batch_size", 3, "must be at least 1, got 0")]
    [InlineData("lora:\n  rank: 0\n", "lora.rank", 2, "rank must be at least 1")]
    [InlineData("data_options:\n  validation_fraction: 1.5\n", "data_options.validation_fraction", 2, "must be in [0, 1)")]
    [InlineData("early_stopping:\n  patience: 0\n", "early_stopping.patience", 2, "must be at least 1")]
    [InlineData("regularization:\n  dropout: 1\n", "regularization.dropout", 2, "must be in [0, 1)")]
    public void An_out_of_range_value_names_the_key_and_its_line(string yaml, string key, int line, string problem)
    {
        var error = LoadFails("range.yaml", yaml);

        Assert.Equal(key, error.Item);
        Assert.Equal(line, error.Line);
        Assert.Contains(problem, error.Problem);
    }

    [Fact]
    public void Every_error_in_a_yaml_recipe_is_reported_not_only_the_first()
    {
        var path = directory.Write("many.yaml", """
            method: lorra
            training:
              epochs: three
              learnig_rate: 1e-3
              batch_size: 0
            lora:
              rank: 0
              dropout: 1.5
            data_options:
              validation_fraction: 1.5
            method: full
            """);

        var error = Assert.Throws<InputFileException>(() => RecipeLoader.Load(path));

        Assert.Equal(
        [
            ("method", 1L, "expected one of lora, full, from_scratch"),
            ("training.epochs", 3, "expected an integer"),
            ("training.learnig_rate", 4, "did you mean 'training.learning_rate'"),
            ("training.batch_size", 5, "must be at least 1, got 0"),
            ("lora.rank", 7, "rank must be at least 1"),
            ("lora.dropout", 8, "must be in [0, 1)"),
            ("data_options.validation_fraction", 10, "must be in [0, 1)"),
            ("method", 11, "the key is given twice"),
        ], error.Errors.Select(e => (e.Item, e.Line!.Value, Expected(e.Problem))));
        // The first error is the exception's own; the message lists every one, a line each, with file and line.
        Assert.Equal(("method", 1L), (error.Item, error.Line!.Value));
        var lines = error.Message.Split('\n');
        Assert.Equal(8, lines.Length);
        Assert.StartsWith($"{path}:1: 'method': ", lines[0]);
        Assert.StartsWith($"{path}:11: 'method': ", lines[7]);

        // The expected words the problem holds, to compare with them (the more specific first).
        static string Expected(string problem) => new[]
        {
            "expected one of lora, full, from_scratch", "expected an integer", "did you mean 'training.learning_rate'",
            "rank must be at least 1", "must be at least 1, got 0", "must be in [0, 1)", "the key is given twice",
        }.FirstOrDefault(problem.Contains) ?? problem;
    }

    [Fact]
    public void Every_error_in_a_json_recipe_is_reported_not_only_the_first()
    {
        var path = directory.Write("many.json", """
            {
              "method": "full",
              "trainig": {"epochs": 2},
              "training": {"epochs": "3", "batch_size": 0},
              "method": "lora"
            }
            """);

        var error = Assert.Throws<InputFileException>(() => RecipeLoader.Load(path));

        Assert.Equal(
            [("trainig", 3L), ("training.epochs", 4), ("training.batch_size", 4), ("method", 5)],
            error.Errors.Select(e => (e.Item, e.Line!.Value)));
        Assert.Contains("did you mean 'training'", error.Errors[0].Problem);
    }

    [Fact]
    public void A_single_error_is_its_own_only_error()
    {
        var error = LoadFails("one.yaml", "training:\n  epochs: 0\n");

        Assert.Same(error, Assert.Single(error.Errors));
    }

    [Fact]
    public void A_recipe_with_another_extension_is_refused()
    {
        var error = LoadFails("alice.toml", "method = \"full\"\n");

        Assert.Contains(".yaml, .yml or .json", error.Problem);
    }

    [Fact]
    public void Training_auto_is_short_for_a_search_with_the_other_training_keys_at_their_defaults()
    {
        var shorthand = RecipeLoader.Load(directory.Write("auto.yaml", "method: lora\ntraining: auto\n"));
        var spelled = RecipeLoader.Load(directory.Write("spelled.yaml", "method: lora\ntraining:\n  auto: true\n"));
        var written = RecipeLoader.Load(directory.Write("written.yaml", RecipeWriter.ToYaml(shorthand)));

        Assert.True(shorthand.Options.Training.Auto);
        Assert.Equal(new TrainingOptions { Auto = true }, shorthand.Options.Training);
        Assert.Equal(spelled, shorthand);
        Assert.Equal(shorthand.Options, written.Options); // written out as "auto: true" and read back
        Assert.False(RecipeLoader.Load(directory.Write("fixed.yaml", "method: lora\n")).Options.Training.Auto);
    }

    [Fact]
    public void Training_given_as_another_word_is_an_error_at_its_line()
    {
        var error = LoadFails("manual.yaml", "method: lora\ntraining: manual\n");

        Assert.Equal("training", error.Item);
        Assert.Equal(2, error.Line);
    }
}
