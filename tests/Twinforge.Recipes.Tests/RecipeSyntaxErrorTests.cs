using Twinforge.Recipes;
using Twinforge.Engine;

namespace Twinforge.Recipes.Tests;

/// <summary>A recipe that is not valid YAML or JSON is refused with its file, line and column and what is wrong.</summary>
public sealed class RecipeSyntaxErrorTests : IDisposable
{
    readonly RecipeDirectory directory = new();

    public void Dispose() => directory.Dispose();

    InputFileException LoadFails(string name, string text, int line, int column)
    {
        var path = directory.Write(name, text);
        var error = Assert.Throws<InputFileException>(() => RecipeLoader.Load(path));
        Assert.Equal(path, error.FilePath);
        Assert.Equal(line, error.Line);
        Assert.Equal(column, error.Column);
        Assert.StartsWith($"{path}:{line}:{column}: ", error.Message);
        return error;
    }

    [Theory]
    // Issue 15: YamlDotNet's scanner fails with an InvalidOperationException on an unclosed flow sequence.
    [InlineData("a: [b\nc: d\n", 2, 1, "the '[' at line 1, column 4 is not closed")]
    [InlineData("method: full\ntraining:\n  epochs: [2\n", 4, 1, "the '[' at line 3, column 11 is not closed")]
    [InlineData("x: 1\nlora: {rank: 4\nmethod: full\n", 3, 1, "the '{' at line 2, column 7 is not closed")]
    [InlineData("training:\n  epochs: 2\n batch_size: 4\n", 3, 2, "did not find expected key")]
    [InlineData("training:\n\tepochs: 2\n", 2, 1, "a tab in the indentation")]
    [InlineData("training:\n  epochs: 2\n\tbatch_size: 4\n", 3, 1, "a tab in the indentation")]
    [InlineData("output: \"runs/a\nmethod: full\n", 1, 9, "quoted")]
    [InlineData("output: 'runs/a\n", 1, 9, "quoted")]
    [InlineData("base: @models/a\n", 1, 7, "cannot start any token")]
    [InlineData("data: *files\n", 1, 7, "'files' is not defined")]
    public void Malformed_yaml_names_the_file_line_and_column(string yaml, int line, int column, string problem)
    {
        var error = LoadFails("broken.yaml", yaml, line, column);

        Assert.StartsWith("not valid YAML: ", error.Problem);
        Assert.Contains(problem, error.Problem);
    }

    [Theory]
    [InlineData("{\n  \"method\": \"full\",\n  \"output\": \"runs\",\n}", 4, 1, "trailing comma")]
    [InlineData("{\n  \"lora\": {\"target_modules\": [\"q_proj\",]}\n}", 2, 40, "trailing comma")]
    [InlineData("{\n  \"method\": \"full\"\n  \"output\": \"runs\"\n}", 3, 3, "invalid after a value")]
    [InlineData("{\n  \"output\": \"runs\n}", 2, 18, "within a JSON string")]
    [InlineData("{\n  'method': 'full'\n}", 2, 3, "invalid start of a property name")]
    [InlineData("{\n  // the base\n  \"base\": \"builtin\"\n}", 2, 3, "'/'")]
    [InlineData("{\n  \"method\": \"full\"\n", 3, 1, "the '{' at line 1, column 1 is not closed")]
    [InlineData("{\"lora\": {\"rank\": 4}\n", 2, 1, "the '{' at line 1, column 1 is not closed")]
    [InlineData("{} x", 1, 4, "'x'")]
    [InlineData("{\n  \"é\": \"ü\", x\n}", 2, 13, "'x'")]
    [InlineData("", 1, 1, "no JSON")]
    public void Malformed_json_names_the_file_line_and_column(string json, int line, int column, string problem)
    {
        var error = LoadFails("broken.json", json, line, column);

        Assert.StartsWith("not valid JSON: ", error.Problem);
        Assert.Contains(problem, error.Problem);
        Assert.DoesNotContain("LineNumber", error.Problem);
        Assert.DoesNotContain("reader options", error.Problem);
    }

    [Fact]
    public void Json_that_is_not_utf8_names_the_line_and_column_of_the_string()
    {
        var path = directory.Write("latin1.json", "");
        File.WriteAllBytes(path, [.. "{\n  \"output\": \"caf"u8, 0xE9, .. "\"\n}"u8]);

        var error = Assert.Throws<InputFileException>(() => RecipeLoader.Load(path));

        Assert.Equal(2, error.Line);
        Assert.Equal(13, error.Column);
        Assert.Contains("not valid UTF-8", error.Problem);
    }

    [Fact]
    public void A_yaml_key_given_twice_is_named_with_its_line()
    {
        var error = Assert.Throws<InputFileException>(() => RecipeLoader.Load(directory.Write("twice.yaml", "method: full\nmethod: lora\n")));

        Assert.Equal("method", error.Item);
        Assert.Equal(2, error.Line);
        Assert.Contains("the key is given twice", error.Problem);
    }

    [Fact]
    public void A_second_yaml_document_is_refused_at_its_line()
    {
        var error = Assert.Throws<InputFileException>(() => RecipeLoader.Load(directory.Write("two.yaml", "method: full\n---\nmethod: lora\n")));

        Assert.Equal(2, error.Line);
        Assert.Contains("a single YAML document", error.Problem);
    }

    [Fact]
    public void Anchors_and_aliases_still_work()
    {
        var recipe = RecipeLoader.Load(directory.Write("anchors.yaml", "data: &files [a.jsonl]\nvalidation: held.jsonl\ntraining:\n  epochs: &n 2\n  batch_size: *n\n"));

        Assert.Equal(2, recipe.Options.Training.Epochs);
        Assert.Equal(2, recipe.Options.Training.BatchSize);
    }
}
