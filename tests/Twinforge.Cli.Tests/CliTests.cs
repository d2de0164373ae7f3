using System.CommandLine;
using Twinforge.Cli;
using Twinforge.Cli.Commands;

namespace Twinforge.Cli.Tests;

public sealed class CliTests
{
    static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        var root = new RootCommand("twinforge") { GenerateCommand.Create(), InspectCommand.Create(), DemoCommand.Create() };
        var output = new StringWriter();
        var error = new StringWriter();
        int exitCode = CommandRunner.Invoke(root, args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    [Fact]
    public void Unknown_options_are_bad_input()
    {
        var (exitCode, _, error) = Run("generate", "--bogus");
        Assert.Equal(ExitCodes.BadInput, exitCode);
        Assert.Contains("--bogus", error);
    }

    [Fact]
    public void A_directory_that_is_not_a_model_is_bad_input_and_named()
    {
        var directory = Directory.CreateTempSubdirectory("twinforge-cli-").FullName;
        try
        {
            var (exitCode, _, error) = Run("inspect", "--model", directory);
            Assert.Equal(ExitCodes.BadInput, exitCode);
            Assert.Contains(directory, error);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Demo_builds_reloads_and_generates_then_inspect_and_generate_read_its_output()
    {
        var directory = Directory.CreateTempSubdirectory("twinforge-demo-").FullName;
        try
        {
            var demo = Run("demo", "--output", directory);
            Assert.Equal(ExitCodes.Success, demo.ExitCode);
            Assert.Equal(2, demo.Output.Split('\n').Count(line => line.Contains("reloaded weights bit-identical: True")));

            var model = Path.Combine(directory, "llama-family");
            var inspect = Run("inspect", "--model", model);
            Assert.Equal(ExitCodes.Success, inspect.ExitCode);
            Assert.Contains("llama (Llama family)", inspect.Output);

            var generate = Run("generate", "--model", model, "--prompt", "Hi", "--max-new-tokens", "4", "--seed", "1", "--temperature", "1");
            Assert.Equal(ExitCodes.Success, generate.ExitCode);
            Assert.StartsWith("Hi", generate.Output);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
