using Twinforge.Engine.Training;
using static Twinforge.Cli.Tests.CliTesting;

namespace Twinforge.Cli.Tests;

[Collection("Torch")]
public sealed class FinetuneCommandTests
{
    /// <summary>A recipe for a run of a few seconds on the tiny model: LoRA, 8 updates, validation every 2.</summary>
    static string WriteRecipe(TemporaryDirectory directory)
    {
        var model = TinyModel(directory.File("base"));
        ChatData(directory.File("alice.jsonl"), 24);
        ChatData(directory.File("held-out.jsonl"), 6, offset: 100);
        var recipe = directory.File("alice.yaml");
        File.WriteAllText(recipe, $"""
            base: {model}
            data: alice.jsonl
            validation: held-out.jsonl
            output: run
            method: lora
            lora: {"{"} rank: 4, alpha: 8 {"}"}
            data_options: {"{"} sequence_length: 128 {"}"}
            training: {"{"} max_steps: 8, batch_size: 4, learning_rate: 0.01, precision: float32 {"}"}
            early_stopping: {"{"} evaluate_every_steps: 2, patience: 10 {"}"}
            checkpoints: {"{"} every_steps: 2, keep_last: 2 {"}"}
            """);
        return recipe;
    }

    [Fact]
    public void Finetune_then_export_then_generate()
    {
        using var directory = new TemporaryDirectory();
        var recipe = WriteRecipe(directory);

        var finetune = Run("finetune", "--recipe", recipe);
        Assert.True(finetune.ExitCode == ExitCodes.Success, finetune.Error + finetune.Output);
        var run = directory.File("run");
        Assert.Contains("Best validation: loss", finetune.Output);
        Assert.Contains($"Report: {Path.Combine(run, "report.html")}", finetune.Output);
        Assert.True(File.Exists(Path.Combine(run, "adapter", "adapter_config.json")));
        Assert.True(File.Exists(Path.Combine(run, "recipe.yaml")));
        var report = File.ReadAllText(Path.Combine(run, "report.html"));
        var best = MetricsLog.Read(Path.Combine(run, MetricsLog.FileName)).OfType<EvaluationCompleted>().MinBy(e => e.Loss)!;
        Assert.Contains(best.Loss.ToString("F4", System.Globalization.CultureInfo.InvariantCulture), report);
        // The PNG plots beside the report, embedded in it, and the data statistics.
        foreach (var plot in new[] { "loss_by_step.png", "loss_by_tokens.png", "learning_rate.png" })
        {
            var png = File.ReadAllBytes(Path.Combine(run, "plots", plot));
            Assert.True(png.Length > 1000 && png[1] == (byte)'P' && png[2] == (byte)'N' && png[3] == (byte)'G', plot);
            Assert.Contains($"plots/{plot}", report);
        }
        Assert.Contains("data:image/png;base64,", report);
        Assert.Contains("<h2>Training data</h2>", report);
        // Base and fine-tuned answers to held-out prompts, side by side.
        Assert.Contains("Why is thing 100 broken?", report);
        Assert.Contains("fine-tuned", File.ReadAllText(Path.Combine(run, "samples.json")));
        // Plain, log-friendly output when not on a terminal: no escape sequences.
        Assert.DoesNotContain("\u001b[", finetune.Output);

        var exported = directory.File("exported");
        // With a trailing slash, as people type directories: written beside itself, nothing left half-written.
        var export = Run("export", "--model", directory.File("base"), "--adapter", Path.Combine(run, "adapter"), "--output", exported + "/");
        Assert.True(export.ExitCode == ExitCodes.Success, export.Error);
        Assert.DoesNotContain(Directory.GetFileSystemEntries(directory.Path), entry => entry.Contains(".incomplete"));
        Assert.DoesNotContain(Directory.GetFileSystemEntries(exported), entry => entry.Contains(".incomplete"));
        var generate = Run("generate", "--model", exported, "--prompt", "Why", "--max-new-tokens", "3", "--seed", "1");
        Assert.True(generate.ExitCode == ExitCodes.Success, generate.Error);
        Assert.StartsWith("Why", generate.Output);
        // The adapter on the base and the exported merged model answer the same way.
        var viaAdapter = Run("generate", "--model", directory.File("base"), "--adapter", Path.Combine(run, "adapter"), "--prompt", "Why", "--max-new-tokens", "3");
        Assert.Equal(Run("generate", "--model", exported, "--prompt", "Why", "--max-new-tokens", "3").Output, viaAdapter.Output);
    }

    /// <summary>training: auto from the command line: the search's rounds in the output, its record in run.json, the recipe kept as written.</summary>
    [Fact]
    public void Finetune_with_training_auto_searches_reports_each_round_and_records_the_choice()
    {
        using var directory = new TemporaryDirectory();
        var recipe = WriteRecipe(directory);

        var finetune = Run("finetune", "--recipe", recipe, "--set", "training.auto=true", "--set", "training.epochs=2", "--plain");

        Assert.True(finetune.ExitCode == ExitCodes.Success, finetune.Error + finetune.Output);
        Assert.Contains("search round 1/3, candidate 1/27", finetune.Output);
        Assert.Contains("search round 3/3", finetune.Output);
        var run = directory.File("run");
        Assert.True(File.Exists(Path.Combine(run, "adapter", "adapter_config.json")));
        Assert.True(File.Exists(Path.Combine(run, "search", "search.json")));
        Assert.Contains("\"chosen\"", File.ReadAllText(Path.Combine(run, "run.json")));
        Assert.Contains("auto: true", File.ReadAllText(Path.Combine(run, "recipe.yaml")));
        Assert.True(File.Exists(Path.Combine(run, "report.html")));
    }

    [Fact]
    public void An_interrupted_run_resumes_and_ends_as_an_uninterrupted_one()
    {
        using var directory = new TemporaryDirectory();
        var recipe = WriteRecipe(directory);
        var straight = Run("finetune", "--recipe", recipe, "--output", directory.File("straight"));
        Assert.True(straight.ExitCode == ExitCodes.Success, straight.Error);

        // Ctrl-C after step 5 is printed: the run stops after that update and saves a checkpoint.
        using var cancellation = new CancellationTokenSource();
        var output = new CancelOnText("step 5/8", cancellation);
        int interrupted = CommandRunner.Invoke(TwinforgeCommands.CreateRoot(new StringReader("")),
            ["finetune", "--recipe", recipe, "--output", directory.File("resumed")], output, new StringWriter(), cancellation.Token);
        Assert.Equal(ExitCodes.Interrupted, interrupted);
        var ownRecipe = Path.Combine(directory.File("resumed"), "recipe.yaml");
        // The hint is a command that works as typed: the run's own recipe, which names its output.
        Assert.Contains($"Continue with: twinforge finetune --recipe {ownRecipe} --resume", output.ToString());

        var refused = Run("finetune", "--recipe", recipe, "--output", directory.File("resumed"));
        Assert.Equal(ExitCodes.BadInput, refused.ExitCode);
        Assert.Contains("--resume", refused.Error);

        // Resuming with other settings is refused, naming each setting that differs and the command that works.
        var changed = Run("finetune", "--recipe", recipe, "--output", directory.File("resumed"), "--resume", "--lr", "0.02", "--batch-size", "2");
        Assert.Equal(ExitCodes.BadInput, changed.ExitCode);
        Assert.Contains("training.learning_rate was 0.01, now 0.02", changed.Error);
        Assert.Contains("training.batch_size was 4, now 2", changed.Error);
        Assert.Contains($"twinforge finetune --recipe {ownRecipe} --resume", changed.Error);

        var resumed = Run("finetune", "--recipe", ownRecipe, "--resume");
        Assert.True(resumed.ExitCode == ExitCodes.Success, resumed.Error);
        Assert.Contains("resuming at step", resumed.Output);
        double[] Losses(string run) => MetricsLog.Read(Path.Combine(directory.File(run), MetricsLog.FileName)).OfType<StepCompleted>().Select(e => e.Loss).ToArray();
        Assert.Equal(Losses("straight"), Losses("resumed"));
    }

    [Fact]
    public void A_held_out_file_that_asks_one_question_over_and_over_still_ends_with_a_report()
    {
        using var directory = new TemporaryDirectory();
        var recipe = WriteRecipe(directory);
        File.WriteAllText(directory.File("held-out.jsonl"), string.Concat(Enumerable.Range(0, 6).Select(i =>
            $"{{\"messages\":[{{\"role\":\"user\",\"content\":\"hi\"}},{{\"role\":\"assistant\",\"content\":\"Cosmic rays, friend {i}.\"}}]}}\n")));

        var result = Run("finetune", "--recipe", recipe);

        Assert.True(result.ExitCode == ExitCodes.Success, result.Error + result.Output);
        var samples = Reporting.SampleSet.Load(directory.File("run"))!;
        Assert.Equal(["hi"], samples.Samples.Select(sample => sample.Prompt)); // the repeated question is asked once
        Assert.Equal(["base", "fine-tuned"], samples.Samples[0].Outputs.Keys.Order());
        Assert.True(File.Exists(Path.Combine(directory.File("run"), "report.html")));
    }

    /// <summary>Appends conversations whose reply is longer than the recipe's 128-token sequence length.</summary>
    static void AppendLongConversations(TemporaryDirectory directory, int count)
    {
        var reply = string.Concat(Enumerable.Repeat("Cosmic rays again. ", 10));
        File.AppendAllText(directory.File("alice.jsonl"), string.Concat(Enumerable.Range(0, count).Select(i =>
            $"{{\"messages\":[{{\"role\":\"user\",\"content\":\"Why {i}?\"}},{{\"role\":\"assistant\",\"content\":\"{reply}\"}}]}}\n")));
    }

    [Fact]
    public void Examples_dropped_for_their_length_are_said_in_the_output_the_report_and_run_json()
    {
        using var directory = new TemporaryDirectory();
        var recipe = WriteRecipe(directory);
        AppendLongConversations(directory, 1); // 1 of 25: within the 10% allowed

        var result = Run("finetune", "--recipe", recipe);

        Assert.True(result.ExitCode == ExitCodes.Success, result.Error + result.Output);
        var notice = $"{directory.File("alice.jsonl")}: 1 of 25 examples is longer than the sequence length of 128 tokens";
        Assert.Contains($"warning: {notice}", result.Output);
        Assert.Contains("1 was dropped", result.Output);
        var run = directory.File("run");
        Assert.Contains(notice, File.ReadAllText(Path.Combine(run, "report.html")));
        Assert.Contains("24 of 25 examples kept; longer than 128 tokens (drop): 1 dropped", File.ReadAllText(Path.Combine(run, "report.html")));
        var record = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(run, "run.json")))!;
        var overlong = record["data"]!["files"]![0]!["overlong"]!;
        Assert.Equal((25, 1), ((int)overlong["documents_read"]!, (int)overlong["dropped"]!));
        Assert.Equal("drop", (string)record["data"]!["overlong_policy"]!);
        Assert.Equal("lora", (string)record["method"]!);
    }

    [Fact]
    public void A_run_that_would_drop_more_than_the_allowed_share_stops_before_training_and_says_how_to_go_on()
    {
        using var directory = new TemporaryDirectory();
        var recipe = WriteRecipe(directory);
        AppendLongConversations(directory, 6); // 6 of 30: 20%

        var refused = Run("finetune", "--recipe", recipe);

        Assert.Equal(ExitCodes.BadInput, refused.ExitCode);
        Assert.Contains(directory.File("alice.jsonl"), refused.Error);
        Assert.Contains("6 of its 30 examples (20%) are longer than the sequence length of 128 tokens and would be dropped", refused.Error);
        Assert.Contains("data_options.max_dropped_fraction", refused.Error);
        Assert.False(Directory.Exists(Path.Combine(directory.File("run"), "checkpoints")));

        var allowed = Run("finetune", "--recipe", recipe, "--set", "data_options.max_dropped_fraction=0.25");
        Assert.True(allowed.ExitCode == ExitCodes.Success, allowed.Error);
        Assert.Contains("6 of 30 examples are longer than the sequence length of 128 tokens", allowed.Output);
    }

    [Fact]
    public void Recipe_mistakes_and_overrides_are_reported_by_key()
    {
        using var directory = new TemporaryDirectory();
        var recipe = WriteRecipe(directory);
        var typo = Run("finetune", "--recipe", recipe, "--set", "training.learnig_rate=0.1");
        Assert.Equal(ExitCodes.BadInput, typo.ExitCode);
        Assert.Contains("training.learning_rate", typo.Error);

        var badValue = Run("finetune", "--recipe", recipe, "--batch-size", "zero");
        Assert.Equal(ExitCodes.BadInput, badValue.ExitCode);
        Assert.Contains("training.batch_size", badValue.Error);

        File.AppendAllText(recipe, "\nepochs: 3\n");
        var unknownKey = Run("finetune", "--recipe", recipe);
        Assert.Equal(ExitCodes.BadInput, unknownKey.ExitCode);
        Assert.Contains("alice.yaml", unknownKey.Error);
        Assert.Contains("epochs", unknownKey.Error);
    }

    [Fact]
    public void Malformed_training_data_is_bad_input_and_nothing_is_trained()
    {
        using var directory = new TemporaryDirectory();
        var recipe = WriteRecipe(directory);
        File.AppendAllText(directory.File("alice.jsonl"), "{\"messages\": 3}\n");
        var result = Run("finetune", "--recipe", recipe);
        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Contains("alice.jsonl:25", result.Error);
        Assert.False(Directory.Exists(Path.Combine(directory.File("run"), "checkpoints")));
        Assert.False(File.Exists(Path.Combine(directory.File("run"), "recipe.yaml")));

        // Once the data is fixed, the same command runs: the failed attempt left nothing that blocks it.
        File.WriteAllLines(directory.File("alice.jsonl"), File.ReadAllLines(directory.File("alice.jsonl"))[..24]);
        var retry = Run("finetune", "--recipe", recipe);
        Assert.True(retry.ExitCode == ExitCodes.Success, retry.Error);
    }

    [Fact]
    public void Data_files_given_as_options_may_hold_commas_in_their_names()
    {
        using var directory = new TemporaryDirectory();
        var recipe = WriteRecipe(directory);
        var renamed = directory.File("alice, v2.jsonl");
        File.Move(directory.File("alice.jsonl"), renamed);

        var result = Run("finetune", "--recipe", recipe, "--data", renamed);

        Assert.True(result.ExitCode == ExitCodes.Success, result.Error);
        Assert.Contains("alice, v2.jsonl", File.ReadAllText(Path.Combine(directory.File("run"), "recipe.yaml")));
    }

    [Fact]
    public void Force_never_deletes_a_directory_that_is_not_a_run()
    {
        using var directory = new TemporaryDirectory();
        var recipe = WriteRecipe(directory);
        var precious = directory.File("precious");
        Directory.CreateDirectory(precious);
        File.WriteAllText(Path.Combine(precious, "thesis.txt"), "years of work");

        var result = Run("finetune", "--recipe", recipe, "--output", precious, "--force");

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Contains("holds no Twinforge run", result.Error);
        Assert.True(File.Exists(Path.Combine(precious, "thesis.txt")));
    }

    [Fact]
    public void A_users_own_recipe_beside_their_data_is_not_a_run_and_force_leaves_it_alone()
    {
        using var directory = new TemporaryDirectory();
        var recipe = WriteRecipe(directory);
        // The recipe kept in the data's folder, its output that folder: a run there would write over the recipe.
        File.Copy(recipe, directory.File("recipe.yaml"));
        File.WriteAllText(directory.File("recipe.yaml"), File.ReadAllText(recipe).Replace("output: run", "output: ."));
        File.WriteAllText(directory.File("notes.txt"), "mine");

        foreach (var force in new[] { false, true })
        {
            var result = force ? Run("finetune", "--recipe", directory.File("recipe.yaml"), "--force") : Run("finetune", "--recipe", directory.File("recipe.yaml"));
            Assert.Equal(ExitCodes.BadInput, result.ExitCode);
            Assert.Contains("holds no Twinforge run (alice.jsonl, alice.yaml, base, held-out.jsonl, notes.txt and 1 more)", result.Error);
            Assert.Contains("a run writes into a directory of its own", result.Error);
        }
        Assert.Equal("mine", File.ReadAllText(directory.File("notes.txt")));
        Assert.True(File.Exists(directory.File("alice.jsonl")) && File.Exists(directory.File("recipe.yaml")));
    }

    [Fact]
    public void Force_replaces_a_run_only_when_the_directory_holds_nothing_the_run_did_not_write()
    {
        using var directory = new TemporaryDirectory();
        var recipe = WriteRecipe(directory);
        Assert.Equal(ExitCodes.Success, Run("finetune", "--recipe", recipe).ExitCode);
        var notes = Path.Combine(directory.File("run"), "my-notes.txt");
        File.WriteAllText(notes, "what I tried");

        var refused = Run("finetune", "--recipe", recipe, "--force");

        Assert.Equal(ExitCodes.BadInput, refused.ExitCode);
        Assert.Contains("holds a run and files the run did not write (my-notes.txt)", refused.Error);
        Assert.Equal("what I tried", File.ReadAllText(notes));
        Assert.True(File.Exists(Path.Combine(directory.File("run"), "run.json")));

        File.Delete(notes);
        var replaced = Run("finetune", "--recipe", recipe, "--force");
        Assert.True(replaced.ExitCode == ExitCodes.Success, replaced.Error);
    }

    [Fact]
    public void A_refused_resume_names_only_what_the_user_changed_not_the_precision_automatic_resolved_to()
    {
        using var directory = new TemporaryDirectory();
        var recipe = WriteRecipe(directory);
        File.WriteAllText(recipe, File.ReadAllText(recipe).Replace(", precision: float32", "")); // automatic
        Assert.Equal(ExitCodes.Success, Run("finetune", "--recipe", recipe, "--max-steps", "2").ExitCode);

        var changed = Run("finetune", "--recipe", recipe, "--max-steps", "4", "--resume");

        Assert.Equal(ExitCodes.BadInput, changed.ExitCode);
        Assert.Contains("training.max_steps was 2, now 4", changed.Error);
        Assert.DoesNotContain("precision", changed.Error);
    }

    [Fact]
    public void A_diverged_run_still_writes_its_record_and_report_and_says_what_happened()
    {
        using var directory = new TemporaryDirectory();
        var recipe = WriteRecipe(directory);

        var result = Run("finetune", "--recipe", recipe, "--lr", "1e9", "--set", "training.max_consecutive_non_finite_steps=100");

        Assert.True(result.ExitCode == ExitCodes.Success, result.Error + result.Output);
        Assert.True(result.Output.Contains("the training diverged"), result.Output);
        Assert.True(File.Exists(Path.Combine(directory.File("run"), "run.json")));
        Assert.True(File.Exists(Path.Combine(directory.File("run"), "report.html")));
    }

    [Fact]
    public void Resume_where_there_is_no_run_is_bad_input_not_a_new_run()
    {
        using var directory = new TemporaryDirectory();
        var recipe = WriteRecipe(directory);

        var result = Run("finetune", "--recipe", recipe, "--output", directory.File("mistyped"), "--resume");

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Contains($"--resume: {directory.File("mistyped")} holds no run to continue", result.Error);
        Assert.False(Directory.Exists(directory.File("mistyped")));
    }

    [Fact]
    public void A_run_that_cannot_be_saved_fails_with_the_path_and_a_failure_exit_code()
    {
        using var directory = new TemporaryDirectory();
        var recipe = WriteRecipe(directory);
        // A file where the run's checkpoints directory goes: nothing checked up front can see that the write will be
        // refused (an --output that is, or lies under, a file is bad input, refused before the run starts).
        var output = Directory.CreateDirectory(directory.File("run")).FullName;
        var blocker = Path.Combine(output, CheckpointStore.DirectoryName);
        File.WriteAllText(blocker, "not a directory");

        var result = Run("finetune", "--recipe", recipe, "--output", output, "--resume");

        Assert.Equal(ExitCodes.Failure, result.ExitCode); // not bad input: the system refused the write
        Assert.Contains(blocker, result.Error);
        Assert.Equal("not a directory", File.ReadAllText(blocker));
    }

    /// <summary>A console that presses Ctrl-C when a given text is printed.</summary>
    sealed class CancelOnText(string text, CancellationTokenSource cancellation) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value?.Contains(text) == true) cancellation.Cancel();
        }
    }
}
