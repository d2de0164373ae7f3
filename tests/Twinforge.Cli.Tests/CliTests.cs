using static Twinforge.Cli.Tests.CliTesting;

namespace Twinforge.Cli.Tests;

[Collection("Torch")]
public sealed class CliTests
{
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
        using var directory = new TemporaryDirectory();
        var (exitCode, _, error) = Run("inspect", "--model", directory.Path);
        Assert.Equal(ExitCodes.BadInput, exitCode);
        Assert.Contains(directory.Path, error);
    }

    [Fact]
    public void Every_command_explains_its_options_in_help()
    {
        foreach (var command in new[] { "demo", "pretrain", "finetune", "eval", "generate", "chat", "export", "inspect" })
        {
            var (exitCode, output, _) = Run(command, "--help");
            Assert.Equal(ExitCodes.Success, exitCode);
            Assert.Contains("Options:", output);
        }
        var finetune = Run("finetune", "--help").Output;
        foreach (var option in new[] { "--recipe", "--resume", "--force", "--plain", "--lr", "--set" }) Assert.Contains(option, finetune);
        Assert.Contains("[default: 0.01,0.03,0.1,0.3,1]", Run("study", "data-efficiency", "--help").Output);
        foreach (var command in new[] { new[] { "pretrain" }, ["study", "data-efficiency"] })
        {
            var help = Run([.. command, "--help"]).Output;
            foreach (var option in new[] { "--recipe", "--data", "--resume", "--force", "--set", "--max-steps" }) Assert.Contains(option, help);
        }
        var validate = Run("data", "validate", "--help");
        Assert.Contains("--sequence-length", validate.Output);
        Assert.Contains("[default: 512]", validate.Output);
    }

    [Fact]
    public void Every_option_of_every_command_states_its_default_or_that_it_is_required()
    {
        var root = TwinforgeCommands.CreateRoot(TextReader.Null);
        var undocumented = new List<string>();
        void Walk(System.CommandLine.Command command, string path)
        {
            foreach (var option in command.Options)
            {
                if (option is System.CommandLine.Help.HelpOption || option is System.CommandLine.VersionOption || option.Required) continue;
                var text = option.Description ?? "";
                if (!text.Contains("[default", StringComparison.Ordinal) && !text.Contains("default:", StringComparison.Ordinal) &&
                    !text.Contains("[required", StringComparison.Ordinal))
                    undocumented.Add($"{path} {option.Name}");
            }
            foreach (var sub in command.Subcommands) Walk(sub, $"{path} {sub.Name}");
        }
        Walk(root, "twinforge");
        Assert.True(undocumented.Count == 0, "options without a stated default: " + string.Join(", ", undocumented));
    }

    [Fact]
    public void Data_validate_reports_token_counts_and_an_estimate_for_good_data()
    {
        using var directory = new TemporaryDirectory();
        var data = ChatData(directory.File("alice.jsonl"), 20);
        var (exitCode, output, error) = Run("data", "validate", "--data", data, "--sequence-length", "128");
        Assert.True(exitCode == ExitCodes.Success, error);
        Assert.Contains("one epoch at batch size 8", output);
    }

    [Fact]
    public void Data_validate_names_every_malformed_line_and_exits_with_bad_input()
    {
        using var directory = new TemporaryDirectory();
        var data = ChatData(directory.File("alice.jsonl"), 3);
        File.AppendAllText(data, "{\"messages\": [{\"role\": \"wizard\", \"content\": \"hi\"}]}\n{oops\n");
        var (exitCode, output, _) = Run("data", "validate", "--data", data);
        Assert.Equal(ExitCodes.BadInput, exitCode);
        Assert.Contains($"{data}:4", output);
        Assert.Contains($"{data}:5", output);
    }

    [Fact]
    public void Eval_chat_and_generate_use_a_model_directory()
    {
        using var directory = new TemporaryDirectory();
        var model = TinyModel(directory.File("model"));
        var data = ChatData(directory.File("held-out.jsonl"), 5);

        var eval = Run("eval", "--model", model, "--data", data, "--sequence-length", "128");
        Assert.True(eval.ExitCode == ExitCodes.Success, eval.Error);
        Assert.Matches(@"loss \d+\.\d{4}  perplexity", eval.Output);

        var chat = RunWithInput("Hello?\n/reset\nAgain?\n/help\n/bogus\n/exit\n", "chat", "--model", model, "--max-new-tokens", "5", "--seed", "1");
        Assert.True(chat.ExitCode == ExitCodes.Success, chat.Error);
        Assert.Equal(2, chat.Output.Split("twin> ").Length - 1); // commands never reach the model
        Assert.Contains("Conversation reset.", chat.Output);
        Assert.Contains("/help lists these commands, /reset starts the conversation over, /exit quits.", chat.Output.Split("Conversation reset.")[1]);
        Assert.Contains("Unknown command /bogus", chat.Output);

        var generate = Run("generate", "--model", model, "--prompt", "Hi", "--max-new-tokens", "4", "--seed", "1", "--temperature", "1");
        Assert.True(generate.ExitCode == ExitCodes.Success, generate.Error);
        Assert.StartsWith("Hi", generate.Output);
    }

    [Fact]
    public void The_built_in_model_must_be_built_before_other_commands_use_it()
    {
        using var directory = new TemporaryDirectory();
        var (exitCode, _, error) = Run("generate", "--model", "builtin:tiny", "--cache", directory.Path, "--prompt", "Hi");
        Assert.Equal(ExitCodes.BadInput, exitCode);
        Assert.Contains("twinforge pretrain --size tiny", error);
    }
}
