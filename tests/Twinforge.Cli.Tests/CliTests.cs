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
        // Read from what --help shows: the option's description or System.CommandLine's own "[default: X]" (from its
        // default value), or "(REQUIRED)".
        var undocumented = new List<string>();
        foreach (var (command, option, help) in OptionHelp())
        {
            if (option is System.CommandLine.Help.HelpOption || option is System.CommandLine.VersionOption) continue;
            if (!help.Contains("[default", StringComparison.Ordinal) && !help.Contains("default:", StringComparison.Ordinal) &&
                !help.Contains("[required", StringComparison.Ordinal) && !help.Contains("(REQUIRED)", StringComparison.Ordinal))
                undocumented.Add($"{command} {option.Name}");
        }
        Assert.True(undocumented.Count == 0, "options without a stated default: " + string.Join(", ", undocumented));
    }

    [Fact]
    public void No_option_states_its_default_twice_and_no_required_option_states_one()
    {
        var repeated = new List<string>();
        foreach (var (command, option, help) in OptionHelp())
        {
            int defaults = help.Split("default:").Length - 1;
            if (defaults > 1 || defaults > 0 && option.Required) repeated.Add($"{command} {option.Name}: {help}");
        }
        Assert.True(repeated.Count == 0, "options whose help states a default twice, or a default though required:\n" + string.Join("\n", repeated));
    }

    /// <summary>Every option of every command with its row of that command's --help, wrapped lines joined.</summary>
    static IEnumerable<(string Command, System.CommandLine.Option Option, string Help)> OptionHelp()
    {
        static IEnumerable<string[]> Paths(System.CommandLine.Command command, string[] path) =>
            command.Subcommands.SelectMany(sub => Paths(sub, [.. path, sub.Name])).Prepend(path);

        var root = TwinforgeCommands.CreateRoot(TextReader.Null);
        foreach (var path in Paths(root, []))
        {
            var command = path.Aggregate((System.CommandLine.Command)root, (parent, name) => parent.Subcommands.Single(sub => sub.Name == name));
            var rows = HelpRows(Run([.. path, "--help"]).Output);
            foreach (var option in command.Options)
            {
                var row = rows.SingleOrDefault(row => row.Names.Contains(option.Name)).Text;
                Assert.True(row is not null, $"twinforge {string.Join(' ', path)} --help does not list {option.Name}");
                yield return (string.Join(' ', path.Prepend("twinforge")), option, row);
            }
        }
    }

    /// <summary>The rows of the Options section: the names a row starts with, and its text with wrapped lines joined.</summary>
    static List<(string[] Names, string Text)> HelpRows(string help)
    {
        var rows = new List<(string[] Names, string Text)>();
        bool inOptions = false;
        foreach (var line in help.Split('\n').Select(line => line.TrimEnd('\r')))
        {
            if (line == "Options:") { inOptions = true; continue; }
            if (!inOptions || line.Length == 0 || !line.StartsWith(' ')) { inOptions &= line.Length > 0 && line.StartsWith(' '); continue; }
            if (line.StartsWith("  -", StringComparison.Ordinal))
            {
                var head = line.Trim().Split("  ")[0];
                var names = head.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries).Where(word => word.StartsWith('-')).ToArray();
                rows.Add((names, line.Trim()));
            }
            else if (rows.Count > 0)
            {
                rows[^1] = (rows[^1].Names, rows[^1].Text + " " + line.Trim());
            }
        }
        return rows;
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
        Assert.Contains("held out: not chosen while the data has errors", output);
        Assert.DoesNotContain("held out: 0 documents", output);
    }

    [Fact]
    public void Data_validate_counts_with_the_builtin_bases_tokenizer_and_the_overlong_policy_given()
    {
        using var directory = new TemporaryDirectory();
        var data = ChatData(directory.File("alice.jsonl"), 20);
        File.AppendAllText(data, "{\"messages\": [{\"role\": \"user\", \"content\": \"" + string.Join(" ", Enumerable.Repeat("word", 300)) +
                                 "\"}, {\"role\": \"assistant\", \"content\": \"ok\"}]}\n");

        var bytes = Run("data", "validate", "--data", data, "--sequence-length", "128");
        var builtin = Run("data", "validate", "--data", data, "--sequence-length", "128", "--tokenizer", "builtin");
        var split = Run("data", "validate", "--data", data, "--sequence-length", "128", "--tokenizer", "builtin", "--overlong", "Split");

        Assert.True(builtin.ExitCode == ExitCodes.Success, builtin.Error);
        string Tokens(string output) => System.Text.RegularExpressions.Regex.Match(output, @"train: .*?, (\d+) tokens").Groups[1].Value;
        Assert.True(int.Parse(Tokens(builtin.Output)) < int.Parse(Tokens(bytes.Output)), builtin.Output + bytes.Output); // subwords, not bytes
        Assert.Contains("1 dropped", builtin.Output);
        Assert.Contains("1 split", split.Output);

        // All of a file's examples dropped for their length: an error, unless --max-dropped-fraction 1 allows any share.
        var allLong = directory.File("long.jsonl");
        File.WriteAllLines(allLong, File.ReadLines(data).TakeLast(1));
        Assert.Equal(ExitCodes.BadInput, Run("data", "validate", "--data", allLong, "--sequence-length", "128", "--tokenizer", "builtin").ExitCode);
        var anyShare = Run("data", "validate", "--data", allLong, "--sequence-length", "128", "--tokenizer", "builtin", "--max-dropped-fraction", "1");
        Assert.DoesNotContain("--max-dropped-fraction: must be", anyShare.Error);
    }

    [Fact]
    public void Data_validate_reads_plain_text_documents_by_the_separator_given()
    {
        using var directory = new TemporaryDirectory();
        var text = directory.File("sayings.txt");
        File.WriteAllText(text, "one saying\nover two lines\n%\nanother\n%\na third\n");

        var bySeparator = Run("data", "validate", "--data", text, "--separator", "%");
        var byBlankLines = Run("data", "validate", "--data", text);

        Assert.True(bySeparator.ExitCode == ExitCodes.Success, bySeparator.Error + bySeparator.Output);
        Assert.Contains("PlainText, 3 documents", bySeparator.Output);
        Assert.Contains("PlainText, 1 document", byBlankLines.Output);
    }

    [Fact]
    public void Data_validate_refuses_a_nul_in_message_content_naming_file_line_and_field()
    {
        using var directory = new TemporaryDirectory();
        var data = ChatData(directory.File("alice.jsonl"), 3);
        File.AppendAllText(data, "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"a\\u0000b\"}]}\n");

        var (exitCode, output, _) = Run("data", "validate", "--data", data);

        Assert.Equal(ExitCodes.BadInput, exitCode);
        Assert.Contains($"{data}:4: 'messages[1].content': holds a NUL character (U+0000) at character 2", output);
    }

    [Fact]
    public void Eval_chat_and_generate_use_a_model_directory()
    {
        using var directory = new TemporaryDirectory();
        var model = TinyModel(directory.File("model"));
        var data = ChatData(directory.File("held-out.jsonl"), 5);

        var eval = Run("eval", "--model", model, "--data", data, "--sequence-length", "128");
        Assert.True(eval.ExitCode == ExitCodes.Success, eval.Error);
        var figures = System.Text.RegularExpressions.Regex.Match(eval.Output,
            @"loss (\d+\.\d{4})  perplexity \S+  bits per byte (\d+\.\d{4}) .* over ([\d,]+) target tokens \(([\d,]+) bytes\)");
        Assert.True(figures.Success, eval.Output);
        double Number(int group) => double.Parse(figures.Groups[group].Value.Replace(",", ""), System.Globalization.CultureInfo.InvariantCulture);
        // Byte-level: every target is one byte except <|im_end|>, which is no text; so bytes < targets.
        Assert.InRange(Number(4), 1, Number(3) - 5);
        Assert.Equal(Number(1) * Number(3) / Math.Log(2) / Number(4), Number(2), 0.002);

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

    [Fact]
    public void Builtin_names_the_base_the_training_commands_use_the_shipped_one_with_an_empty_cache()
    {
        using var directory = new TemporaryDirectory();
        var (exitCode, output, error) = Run("generate", "--model", "builtin", "--cache", directory.Path, "--prompt", "Hi", "--max-new-tokens", "2");
        Assert.True(exitCode == ExitCodes.Success, error);
        Assert.Equal(Twinforge.Cli.BuiltIn.ShippedBaseModel.Find(Twinforge.Cli.BuiltIn.BuiltInModelSize.Default()),
            Twinforge.Cli.Commands.ModelArguments.Resolve("builtin", directory.Path));
        Assert.False(string.IsNullOrWhiteSpace(output));
    }
}
