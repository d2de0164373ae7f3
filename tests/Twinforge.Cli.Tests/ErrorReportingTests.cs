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

    /// <summary>A place nothing can be created in (here /proc) is bad input naming --output, before any work: not a raw I/O error with exit code 1.</summary>
    [Fact]
    public void An_output_where_nothing_can_be_written_is_bad_input_naming_the_option()
    {
        var (exitCode, _, error) = Run("export", "--model", "builtin", "--format", "gguf", "--output", "/proc/twinforge-nope/model");

        Assert.Equal(ExitCodes.BadInput, exitCode);
        Assert.StartsWith("error: --output: /proc/twinforge-nope/model cannot be written: /proc does not let this user create anything in it", error);
        Assert.Empty(Directory.EnumerateFileSystemEntries("/proc", ".twinforge-write-check-*"));
    }

    [Fact]
    public void A_bad_value_given_as_an_option_is_named_by_the_option_and_one_given_by_set_by_its_key()
    {
        using var directory = new TemporaryDirectory();
        var data = directory.File("chat.jsonl");
        File.WriteAllText(data, "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"Hello\"}]}\n");

        var option = Run("finetune", "--base", directory.Path, "--data", data, "--output", directory.File("run"), "--max-steps", "0");
        var set = Run("finetune", "--base", directory.Path, "--data", data, "--output", directory.File("run"), "--set", "training.max_steps=0");

        Assert.Equal((ExitCodes.BadInput, ExitCodes.BadInput), (option.ExitCode, set.ExitCode));
        Assert.StartsWith("error: --max-steps 0 (training.max_steps): must be at least 1, got 0", option.Error);
        Assert.StartsWith("error: 'training.max_steps': must be at least 1, got 0", set.Error);

        var fileAsModel = Run("eval", "--model", data, "--data", data);
        Assert.Equal(ExitCodes.BadInput, fileAsModel.ExitCode);
        Assert.StartsWith($"error: --model {data}: {data} is a file; give a model directory", fileAsModel.Error);
    }

    /// <summary>
    /// A value that does not convert is bad input in words, naming the option or the argument and its command: not a
    /// .NET type name, and not a crash (a range check asked for the value of '--batch-size 1.5' and threw).
    /// </summary>
    [Theory]
    [InlineData(new[] { "data", "validate", "--data", "x.jsonl", "--batch-size", "1.5" }, "error: --batch-size: expected a whole number, found '1.5'")]
    [InlineData(new[] { "data", "validate", "--data", "x.jsonl", "--validation-fraction", "most" }, "error: --validation-fraction: expected a number, found 'most'")]
    [InlineData(new[] { "twin", "promote", "ana-style", "abc", "--alias", "production" }, "error: argument 'version' of 'promote': expected a whole number, found 'abc'")]
    [InlineData(new[] { "twin", "update", "ana-style", "--from", "latest", "--data", "x.jsonl" }, "error: --from: expected a whole number, found 'latest'")]
    [InlineData(new[] { "watermark", "detect", "--key-file", "k.key", "--model", "m", "--threshold", "-1", "hello" }, "error: --threshold: must be above 0, got -1")]
    [InlineData(new[] { "eval", "--model", "m", "--data", "x.txt", "--separator", "" }, "error: --separator: must be visible text such as %")]
    [InlineData(new[] { "data", "validate", "--data", "x.jsonl", "--max-dropped-fraction", "1.5" }, "error: --max-dropped-fraction: must be in [0, 1], got 1.5")]
    [InlineData(new[] { "pretrain", "--size", "bogus" }, "error: --size: 'bogus' is not one of english, standard, tiny")]
    [InlineData(new[] { "tokenizer", "train", "--input", "x.txt", "--vocab-size", "300", "--output", "t", "--chat-template", "alpaca" }, "error: --chat-template: 'alpaca' is not one of chatml, llama3, plain")]
    [InlineData(new[] { "generate", "--model", "m", "--prompt", "" }, "error: --prompt: is empty; give the text to continue")]
    [InlineData(new[] { "serve", "--port", "99999" }, "error: --port: must be between 0 and 65535, got 99999")]
    [InlineData(new[] { "tokenizer", "train", "--input", "x.txt", "--vocab-size", "300", "--output", "t", "--pre-tokenizer", "bert" }, "error: --pre-tokenizer: expected one of llama3, qwen2, gpt2, found 'bert'")]
    [InlineData(new[] { "tokenizer", "train", "--input", "x.txt", "--vocab-size", "99999999999", "--output", "t" }, "error: --vocab-size: expected a whole number from -2,147,483,648 to 2,147,483,647, found '99999999999'")]
    public void A_value_that_does_not_convert_is_bad_input_in_words_naming_where_it_was_given(string[] args, string expected)
    {
        var (exitCode, _, error) = Run(args);

        Assert.Equal(ExitCodes.BadInput, exitCode);
        Assert.Contains(expected, error);
        Assert.DoesNotContain("System.", error);
    }

    /// <summary>
    /// A misspelt option or command is named as unknown, with the nearest real one, and System.CommandLine's errors
    /// about what it swallowed are not repeated: a twin's NAME took '--nmae' without complaint, and '--data' took
    /// '--tokenizr builtin' as two more files that did not exist.
    /// </summary>
    [Theory]
    [InlineData(new[] { "tiwn", "list" }, new[] { "error: 'tiwn' is not a command of 'twinforge'; did you mean 'twin'?" })]
    [InlineData(new[] { "twin", "crate", "ana" }, new[] { "error: 'crate' is not a command of 'twinforge twin'; did you mean 'create'?" })]
    [InlineData(new[] { "twin", "frobnicate" }, new[] { "error: 'frobnicate' is not a command of 'twinforge twin'; its commands: create, " })]
    [InlineData(new[] { "generate", "--model", "m", "--prompt", "Hi", "--temprature", "0.5" },
        new[] { "error: unknown option '--temprature' for 'twinforge generate'; did you mean '--temperature'?" })]
    [InlineData(new[] { "data", "validate", "--data", "a.jsonl", "--tokenizr", "builtin" },
        new[] { "error: unknown option '--tokenizr' for 'twinforge data validate'; did you mean '--tokenizer'?", "error: --data: " })]
    [InlineData(new[] { "twin", "create", "--nmae", "ana-style", "--creator", "ana", "--data", "a.jsonl" },
        new[] { "error: unknown option '--nmae' for 'twinforge twin create' (a value that starts with '-' goes after '--': twinforge twin create -- --nmae)", "error: --data: " })]
    [InlineData(new[] { "twin", "list", "--verbos" }, new[] { "error: unknown option '--verbos' for 'twinforge twin list'; did you mean '--verbose'?" })]
    // A known option taken as the value of the one before it: not "unknown option '--vocab-size'; did you mean '--vocab-size'?".
    [InlineData(new[] { "tokenizer", "train", "--input", "--vocab-size", "300", "--output", "t" },
        new[] { "error: --input was given no value: it took the next option, '--vocab-size', as one; give --input its value first", "error: Option '--vocab-size' is required." })]
    [InlineData(new[] { "eval", "--model", "m", "--data", "a.jsonl", "--xyzzy=3" }, new[] { "error: unknown option '--xyzzy' for 'twinforge eval'", "error: --data: " })]
    public void An_unknown_option_or_command_is_named_with_the_nearest_real_one(string[] args, string[] expectedLines)
    {
        var (exitCode, _, error) = Run(args);

        Assert.Equal(ExitCodes.BadInput, exitCode);
        var lines = error.TrimEnd().Split('\n').Select(line => line.TrimEnd('\r')).ToList();
        Assert.Equal("Run with --help to see the options.", lines[^1]);
        Assert.Equal(expectedLines.Length, lines.Count - 1);
        foreach (var (line, expected) in lines.Zip(expectedLines)) Assert.StartsWith(expected, line);
        Assert.DoesNotContain("Unrecognized", error);
        Assert.DoesNotContain("builtin does not exist", error);
    }

    [Fact]
    public void A_value_after_double_dash_or_a_negative_number_is_not_taken_for_an_option()
    {
        var afterDoubleDash = Run("twin", "show", "--registry", "/nonexistent/registry.db", "--", "-odd-name");
        var negative = Run("twin", "promote", "ana-style", "-1", "--alias", "production");

        Assert.DoesNotContain("unknown option", afterDoubleDash.Error);
        Assert.DoesNotContain("unknown option", negative.Error);
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
    public void An_argument_exception_from_inside_is_a_failure_not_bad_input()
    {
        var (exitCode, _, error) = RunFailing(new ArgumentException("the batch needs at least one sequence", "sequences"));

        Assert.Equal(ExitCodes.Failure, exitCode);
        Assert.Equal("error: the batch needs at least one sequence (Parameter 'sequences')", error.TrimEnd());
    }

    [Fact]
    public void Bad_input_exits_with_2_and_anything_else_with_1()
    {
        Assert.Equal(ExitCodes.BadInput, RunFailing(new BadInputException("--lr: not a number")).ExitCode);
        Assert.Equal(ExitCodes.BadInput, RunFailing(new Twinforge.Recipes.RecipeException("training.epochs", "expected an integer")).ExitCode);
        Assert.Equal(ExitCodes.BadInput, RunFailing(new InputFileException("a.jsonl", "not JSON", line: 3)).ExitCode);
        Assert.Equal(ExitCodes.Failure, RunFailing(new InvalidOperationException("the cache is in use")).ExitCode);
        Assert.Equal(ExitCodes.Failure, RunFailing(new IOException("No space left on device")).ExitCode);
        Assert.Equal(ExitCodes.Interrupted, RunFailing(new OperationCanceledException("stopped after step 3")).ExitCode);
    }

    [Fact]
    public void Only_verbose_prints_the_stack_trace_and_it_does_for_every_kind_of_error()
    {
        var quiet = RunFailing(new InvalidOperationException("the cache is in use"));
        Assert.Equal("error: the cache is in use", quiet.Error.TrimEnd());

        foreach (var exception in new Exception[] { new InvalidOperationException("the cache is in use"), new BadInputException("--lr: not a number"),
                     new ArgumentException("the batch needs at least one sequence") })
        {
            var (_, _, error) = RunFailing(exception, "--verbose");
            Assert.StartsWith($"error: {exception.Message}", error);
            Assert.Contains(exception.GetType().FullName!, error);
            Assert.Contains($"{nameof(ErrorReportingTests)}.", error); // a frame of the stack trace
        }
    }

    [Fact]
    public void Every_command_takes_verbose()
    {
        Assert.Contains("--verbose", Run("finetune", "--help").Output);
        Assert.Contains("--verbose", Run("twin", "create", "--help").Output);
    }

    // demo is left out: were its check to fail, it would go on to fetch corpora and pre-train a base for minutes.
    [Theory]
    [InlineData("finetune")]
    [InlineData("pretrain")]
    [InlineData("study")]
    [InlineData("export")]
    public void An_output_that_is_a_file_is_bad_input_naming_the_option_and_the_path(string command)
    {
        using var directory = new TemporaryDirectory();
        var file = directory.File("taken");
        File.WriteAllText(file, "not a directory");

        var (exitCode, _, error) = Run([.. CommandWithOutput(command, directory), file]);

        Assert.Equal(ExitCodes.BadInput, exitCode);
        Assert.StartsWith($"error: --output: {file} is a file", error);
    }

    [Theory]
    [InlineData("finetune")]
    [InlineData("pretrain")]
    [InlineData("study")]
    [InlineData("export")]
    public void An_output_under_a_file_is_bad_input_naming_the_option_and_the_file(string command)
    {
        using var directory = new TemporaryDirectory();
        var file = directory.File("taken");
        File.WriteAllText(file, "not a directory");
        var output = Path.Combine(file, "run", "v1");

        var (exitCode, _, error) = Run([.. CommandWithOutput(command, directory), output]);

        Assert.Equal(ExitCodes.BadInput, exitCode);
        Assert.StartsWith($"error: --output: {output} cannot be created: {file} is a file", error);
    }

    /// <summary>A command line of <paramref name="command"/> that is complete but for the value of its last option, --output.</summary>
    static string[] CommandWithOutput(string command, TemporaryDirectory directory)
    {
        var data = ChatData(directory.File("alice.jsonl"), 4);
        var missingModel = directory.File("no-model");
        return command switch
        {
            "finetune" => ["finetune", "--base", missingModel, "--data", data, "--output"],
            "pretrain" => ["pretrain", "--size", "tiny", "--cache", directory.File("cache"), "--data", data, "--output"],
            "study" => ["study", "data-efficiency", "--base", missingModel, "--data", data, "--validation", data, "--output"],
            "export" => ["export", "--model", missingModel, "--adapter", directory.File("no-adapter"), "--output"],
            _ => throw new ArgumentException(command),
        };
    }

    [Theory]
    [InlineData("finetune", "--output", "run")]
    [InlineData("pretrain", "--size", "tiny", "--cache", "cache", "--output", "run")]
    [InlineData("data", "validate")]
    [InlineData("eval", "--model", "no-model")]
    public void A_directory_given_as_data_is_bad_input_naming_the_option_and_the_path(params string[] command)
    {
        using var directory = new TemporaryDirectory();
        var folder = Directory.CreateDirectory(directory.File("conversations")).FullName;
        var args = command.Select(arg => arg is "run" or "no-model" or "cache" ? directory.File(arg) : arg).ToList();

        var (exitCode, _, error) = Run([.. args, "--data", folder]);

        Assert.Equal(ExitCodes.BadInput, exitCode);
        Assert.StartsWith($"error: --data: {folder} is a directory, not a data file", error);
    }

    [Theory]
    [InlineData("finetune", "--output", "run")]
    [InlineData("data", "validate")]
    [InlineData("twin", "create", "ana-style", "--creator", "ana", "--registry", "registry.db")]
    [InlineData("twin", "update", "ana-style", "--registry", "registry.db")]
    public void A_missing_data_file_is_bad_input_naming_the_option_and_the_path(params string[] command)
    {
        using var directory = new TemporaryDirectory();
        var missing = directory.File("nowhere.jsonl");
        var args = command.Select(arg => arg is "run" or "registry.db" ? directory.File(arg) : arg).ToList();

        var (exitCode, _, error) = Run([.. args, "--data", missing]);

        Assert.Equal(ExitCodes.BadInput, exitCode);
        Assert.StartsWith($"error: --data: {missing} does not exist", error);
    }

    [Fact]
    public void A_cache_that_is_a_file_is_bad_input_naming_the_option()
    {
        using var directory = new TemporaryDirectory();
        var file = directory.File("cache");
        File.WriteAllText(file, "not a directory");

        var (exitCode, _, error) = Run("generate", "--model", "builtin:tiny", "--cache", file, "--prompt", "Hi");

        Assert.Equal(ExitCodes.BadInput, exitCode);
        Assert.StartsWith($"error: --cache: {file} is a file", error);
    }

    [Fact]
    public void A_directory_in_a_recipe_s_data_is_named_as_a_directory()
    {
        using var directory = new TemporaryDirectory();
        var model = TinyModel(directory.File("base"));
        var folder = Directory.CreateDirectory(directory.File("conversations")).FullName;
        var recipe = directory.File("r.yaml");
        File.WriteAllText(recipe, $"base: {model}\ndata: conversations\noutput: run\n");

        var (exitCode, _, error) = Run("finetune", "--recipe", recipe);

        Assert.Equal(ExitCodes.BadInput, exitCode);
        Assert.Contains($"{folder}: is a directory, not a data file", error);
    }

    [Theory]
    [InlineData("finetune")]
    [InlineData("pretrain")]
    [InlineData("study", "data-efficiency")]
    [InlineData("twin", "create", "ana-style", "--creator", "ana", "--data", "x.jsonl")]
    public void A_directory_given_as_recipe_is_bad_input_naming_the_option_and_the_path(params string[] command)
    {
        using var directory = new TemporaryDirectory();
        var folder = Directory.CreateDirectory(directory.File("recipes")).FullName;

        string[] registry = command[0] == "twin" ? ["--registry", directory.File("registry.db")] : [];

        var (exitCode, _, error) = Run([.. command, "--recipe", folder, .. registry]);

        Assert.Equal(ExitCodes.BadInput, exitCode);
        Assert.Contains($"error: --recipe: {folder} is a directory, not a recipe file", error);
    }

    [Fact]
    public void A_missing_recipe_is_bad_input_naming_the_option_and_the_path()
    {
        using var directory = new TemporaryDirectory();
        var missing = directory.File("nowhere.yaml");

        var (exitCode, _, error) = Run("finetune", "--recipe", missing);

        Assert.Equal(ExitCodes.BadInput, exitCode);
        Assert.StartsWith($"error: --recipe: {missing} does not exist", error);
    }

    [Theory]
    [InlineData("--temperature", "-1")]
    [InlineData("--top-p", "0")]
    [InlineData("--max-new-tokens", "-2")]
    [InlineData("--repetition-penalty", "0")]
    public void A_decoding_option_out_of_range_is_bad_input_naming_the_option(string option, string value)
    {
        using var directory = new TemporaryDirectory();
        var model = TinyModel(directory.File("model"));

        var (exitCode, _, error) = Run("generate", "--model", model, "--prompt", "Hi", option, value);

        Assert.Equal(ExitCodes.BadInput, exitCode);
        Assert.StartsWith($"error: {option}: ", error);
    }

    [Theory]
    [InlineData("data", "validate", "--data", "DATA", "--sequence-length", "1")]
    [InlineData("data", "validate", "--data", "DATA", "--batch-size", "0")]
    [InlineData("data", "validate", "--data", "DATA", "--validation-fraction", "1")]
    [InlineData("eval", "--model", "MODEL", "--data", "DATA", "--batch-size", "0")]
    [InlineData("eval", "--model", "MODEL", "--data", "DATA", "--sequence-length", "1")]
    [InlineData("export", "--model", "MODEL", "--adapter", "MODEL", "--output", "OUT", "--max-shard-mb", "0")]
    [InlineData("twin", "gc", "--registry", "REGISTRY", "--min-age-hours", "-1")]
    [InlineData("twin", "compare", "a", "1", "2", "--registry", "REGISTRY", "--prompts", "-1")]
    public void A_number_out_of_range_is_bad_input_naming_the_option(params string[] command)
    {
        using var directory = new TemporaryDirectory();
        var model = directory.File("model");
        var args = command.Select(arg => arg switch
        {
            "DATA" => ChatData(directory.File("alice.jsonl"), 4),
            "MODEL" => model,
            "OUT" => directory.File("out"),
            "REGISTRY" => directory.File("registry.db"),
            _ => arg,
        }).ToArray();

        var (exitCode, _, error) = Run(args);

        Assert.Equal(ExitCodes.BadInput, exitCode);
        Assert.StartsWith($"error: {command[^2]}", error);
    }

    [Fact]
    public void A_tokenizer_that_cannot_be_loaded_is_named_by_its_option()
    {
        using var directory = new TemporaryDirectory();
        var data = ChatData(directory.File("alice.jsonl"), 4);
        var missing = directory.File("nosuchdir");

        var (exitCode, _, error) = Run("data", "validate", "--data", data, "--tokenizer", missing);

        Assert.Equal(ExitCodes.BadInput, exitCode);
        Assert.StartsWith($"error: --tokenizer: {missing}", error);
        // A tokenizer.json given for its folder: that folder is named, and no other option.
        File.WriteAllText(directory.File("tokenizer.json"), "{}");
        (exitCode, _, error) = Run("data", "validate", "--data", data, "--tokenizer", directory.File("tokenizer.json"));
        Assert.Equal(ExitCodes.BadInput, exitCode);
        Assert.Contains($"--tokenizer: {directory.File("tokenizer.json")} is a file; give the directory that holds tokenizer.json", error);
        Assert.Contains($"here {directory.Path}", error);
        Assert.DoesNotContain("--model", error);
    }

    [Fact]
    public void Settings_that_do_not_fit_the_base_model_are_bad_input()
    {
        using var directory = new TemporaryDirectory();
        var model = TinyModel(directory.File("base"));
        var data = ChatData(directory.File("alice.jsonl"), 12);
        string[] run = ["finetune", "--base", model, "--data", data, "--set", "data_options.sequence_length=128"];

        var targets = Run([.. run, "--output", directory.File("a"), "--set", "lora.target_modules=c_attn"]);
        Assert.Equal(ExitCodes.BadInput, targets.ExitCode);
        Assert.StartsWith("error: no module of the model matches the LoRA target modules [c_attn]", targets.Error);

        var frozen = Run([.. run, "--output", directory.File("b"), "--method", "full", "--set", "freeze.layers=3"]);
        Assert.Equal(ExitCodes.BadInput, frozen.ExitCode);
        Assert.StartsWith("error: cannot freeze the first 3 layers: the base model has 2", frozen.Error);
    }

    [Fact]
    public void A_prompt_longer_than_the_model_s_context_is_bad_input()
    {
        using var directory = new TemporaryDirectory();
        var model = TinyModel(directory.File("model"));

        var (exitCode, _, error) = Run("generate", "--model", model, "--prompt", new string('a', 300), "--max-new-tokens", "1");

        Assert.Equal(ExitCodes.BadInput, exitCode);
        Assert.Contains("the model's context is 256", error);
    }

    [Fact]
    public void Names_and_scopes_the_registry_refuses_are_bad_input()
    {
        using var directory = new TemporaryDirectory();
        string[] registry = ["--registry", directory.File("registry.db"), "--by", "tester"];

        var padded = Run(["creator", "add", " ana ", .. registry]);
        Assert.Equal(ExitCodes.BadInput, padded.ExitCode);
        Assert.StartsWith("error: creator name ' ana ' is not valid", padded.Error);

        Assert.Equal(ExitCodes.Success, Run(["creator", "add", "ana", .. registry]).ExitCode);
        var scope = Run(["creator", "consent", "ana", "--scope", "Text", .. registry]);
        Assert.Equal(ExitCodes.BadInput, scope.ExitCode);
        Assert.StartsWith("error: consent scope 'Text' is not valid", scope.Error);
    }
}
