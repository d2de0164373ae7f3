using static Twinforge.Cli.Tests.CliTesting;

namespace Twinforge.Cli.Tests;

/// <summary>How the CLI reports what went wrong: bad input with exit code 2 and where it is, anything else with 1.</summary>
[Collection("Torch")]
public sealed class ErrorReportingTests
{
    [Fact]
    public void A_recipe_that_is_not_valid_yaml_is_bad_input_naming_its_file_line_and_column()
    {
        using var directory = new TemporaryDirectory();
        var recipe = directory.File("r.yaml");
        File.WriteAllText(recipe, "a: [b\nc: d\n");

        var (exitCode, _, error) = Run("finetune", "--recipe", recipe);

        Assert.Equal(ExitCodes.BadInput, exitCode);
        Assert.StartsWith($"error: {recipe}:2:1: not valid YAML", error);
        Assert.Contains("'[' at line 1, column 4 is not closed", error);
    }

    [Fact]
    public void Every_error_of_a_recipe_is_printed_on_its_own_line()
    {
        using var directory = new TemporaryDirectory();
        var recipe = directory.File("many.yaml");
        File.WriteAllText(recipe, "method: lorra\ntraining:\n  learnig_rate: 1e-3\n  batch_size: 0\n");

        var (exitCode, _, error) = Run("finetune", "--recipe", recipe);

        Assert.Equal(ExitCodes.BadInput, exitCode);
        Assert.Equal(
            [$"error: {recipe}:1: 'method': ", $"error: {recipe}:3: 'training.learnig_rate': ", $"error: {recipe}:4: 'training.batch_size': "],
            error.TrimEnd().Split('\n').Select(line => line[..(line.IndexOf("': ", StringComparison.Ordinal) + 3)]));
    }
}
