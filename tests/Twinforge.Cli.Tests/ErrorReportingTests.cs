using System.CommandLine;
using Twinforge.Engine;
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

    /// <summary>The CLI with one more command, <c>fail</c>, that throws <paramref name="exception"/>.</summary>
    static (int ExitCode, string Output, string Error) RunFailing(Exception exception, params string[] args)
    {
        var root = TwinforgeCommands.CreateRoot(TextReader.Null);
        var fail = new Command("fail");
        fail.SetAction(new Func<ParseResult, int>(_ => throw exception));
        root.Subcommands.Add(fail);
        var output = new StringWriter();
        var error = new StringWriter();
        int exitCode = CommandRunner.Invoke(root, ["fail", .. args], output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    [Fact]
    public void Bad_input_exits_with_2_and_anything_else_with_1()
    {
        Assert.Equal(ExitCodes.BadInput, RunFailing(new BadInputException("--lr: not a number")).ExitCode);
        Assert.Equal(ExitCodes.BadInput, RunFailing(new Twinforge.Cli.Recipes.RecipeException("training.epochs", "expected an integer")).ExitCode);
        Assert.Equal(ExitCodes.BadInput, RunFailing(new InputFileException("a.jsonl", "not JSON", line: 3)).ExitCode);
        Assert.Equal(ExitCodes.Failure, RunFailing(new InvalidOperationException("the cache is in use")).ExitCode);
        Assert.Equal(ExitCodes.Failure, RunFailing(new IOException("No space left on device")).ExitCode);
        Assert.Equal(ExitCodes.Interrupted, RunFailing(new OperationCanceledException("stopped after step 3")).ExitCode);
    }
}
