using Twinforge.Engine.Training;
using static Twinforge.Cli.Tests.CliTesting;

namespace Twinforge.Cli.Tests;

[Collection("Torch")]
public sealed class PretrainCommandTests
{
    /// <summary>A plain-text corpus of paragraphs (blank lines between documents).</summary>
    static string Corpus(string path)
    {
        var paragraphs = Enumerable.Range(0, 60).Select(i => $"The lighthouse keeper wrote entry {i}.\nThe sea was calm and the lamp burned until dawn.");
        File.WriteAllText(path, string.Join("\n\n", paragraphs) + "\n");
        return path;
    }

    [Fact]
    public void Pretraining_on_ones_own_corpus_writes_a_base_model_recipe_and_report()
    {
        using var directory = new TemporaryDirectory();
        var corpus = Corpus(directory.File("corpus.txt"));
        var output = directory.File("my-base");

        var result = Run("pretrain", "--data", corpus, "--output", output, "--size", "tiny", "--cache", directory.File("cache"),
            "--max-steps", "4", "--set", "early_stopping.evaluate_every_steps=2", "--set", "data_options.validation_fraction=0.1");

        Assert.True(result.ExitCode == ExitCodes.Success, result.Error + result.Output);
        Assert.True(File.Exists(Path.Combine(output, "model", "config.json")));
        Assert.True(File.Exists(Path.Combine(output, "model", "tokenizer.json")));
        var recipe = File.ReadAllText(Path.Combine(output, "recipe.yaml"));
        Assert.Contains("method: from_scratch", recipe);
        Assert.Contains("max_steps: 4", recipe);
        Assert.Contains("corpus.txt", recipe);
        var best = MetricsLog.Read(Path.Combine(output, MetricsLog.FileName)).OfType<EvaluationCompleted>().MinBy(e => e.Loss)!;
        var report = File.ReadAllText(Path.Combine(output, "report.html"));
        Assert.Contains(best.Loss.ToString("F4", System.Globalization.CultureInfo.InvariantCulture), report);
        Assert.Contains("fine-tune it with: twinforge finetune --base", result.Output);

        // The run directory is guarded like a fine-tuning run's, and the recipe it wrote runs it again.
        var again = Run("pretrain", "--data", corpus, "--output", output, "--size", "tiny", "--cache", directory.File("cache"));
        Assert.Equal(ExitCodes.BadInput, again.ExitCode);
        Assert.Contains("--resume", again.Error);
        var rerun = Run("pretrain", "--recipe", Path.Combine(output, "recipe.yaml"), "--output", directory.File("rerun"), "--size", "tiny",
            "--cache", directory.File("cache"));
        Assert.True(rerun.ExitCode == ExitCodes.Success, rerun.Error + rerun.Output);
        double[] Losses(string run) => MetricsLog.Read(Path.Combine(run, MetricsLog.FileName)).OfType<StepCompleted>().Select(e => e.Loss).ToArray();
        Assert.Equal(Losses(output), Losses(directory.File("rerun")));
    }

    [Fact]
    public void A_pretraining_recipe_keeps_the_pretraining_defaults_for_what_it_does_not_name()
    {
        using var directory = new TemporaryDirectory();
        Corpus(directory.File("corpus.txt"));
        var model = TinyModel(directory.File("architecture"));
        var recipe = directory.File("pretrain.yaml");
        File.WriteAllText(recipe, $"base: {model}\ndata: corpus.txt\noutput: run\ntraining: {{ max_steps: 3, batch_size: 4 }}\n");

        var result = Run("pretrain", "--recipe", recipe, "--size", "tiny", "--cache", directory.File("cache"));

        Assert.True(result.ExitCode == ExitCodes.Success, result.Error + result.Output);
        var written = File.ReadAllText(Path.Combine(directory.File("run"), "recipe.yaml"));
        Assert.Contains("method: from_scratch", written); // not the fine-tuning default, lora
        Assert.Contains("overlong: split", written);
    }

    [Fact]
    public void Lora_and_run_options_without_data_are_bad_input()
    {
        using var directory = new TemporaryDirectory();
        var corpus = Corpus(directory.File("corpus.txt"));

        var lora = Run("pretrain", "--data", corpus, "--output", directory.File("run"), "--method", "lora", "--size", "tiny", "--cache", directory.File("cache"));
        Assert.Equal(ExitCodes.BadInput, lora.ExitCode);
        Assert.Contains("method", lora.Error);
        Assert.False(Directory.Exists(directory.File("run")));

        var noData = Run("pretrain", "--output", directory.File("run"), "--size", "tiny", "--cache", directory.File("cache"));
        Assert.Equal(ExitCodes.BadInput, noData.ExitCode);
        Assert.Contains("--output needs --data or --recipe", noData.Error);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void A_sitting_trains_the_built_in_base_further_resumes_and_ships_with_every_recipe()
    {
        using var directory = new TemporaryDirectory();
        var cache = directory.File("cache");
        var first = Run("pretrain", "--size", "tiny", "--cache", cache, "--plain");
        Assert.True(first.ExitCode == ExitCodes.Success, first.Error + first.Output);
        var run = Path.Combine(cache, "base", Twinforge.Cli.BuiltIn.BuiltInModelSize.Tiny.CacheKey);

        var second = Run("pretrain", "--size", "tiny", "--cache", cache, "--continue", "--max-steps", "4", "--plain");
        Assert.True(second.ExitCode == ExitCodes.Success, second.Error + second.Output);
        Assert.Contains("after sitting 2", second.Output);
        var sitting = Path.Combine(run, "sitting-2");
        var recipe = File.ReadAllText(Path.Combine(sitting, "recipe.yaml"));
        Assert.Contains("method: full", recipe);
        Assert.Contains("max_steps: 4", recipe);
        Assert.Contains(Path.Combine(run, "model"), recipe); // it continues the pre-training's model, not random weights
        Assert.Contains("learning_rate: 0.0015", recipe); // half the tiny size's 3e-3
        Assert.Contains("seed: 2", recipe); // the training seed is the sitting's; the data seed (which chose the held-out documents) stays 1
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(run, "model", "model.safetensors")), File.ReadAllBytes(Path.Combine(sitting, "model", "model.safetensors")));
        // The newest sitting is the base the commands use now.
        var again = Run("pretrain", "--size", "tiny", "--cache", cache);
        Assert.Contains(Path.Combine(sitting, "model"), again.Output);
        Assert.Contains("report: " + Path.Combine(sitting, "report.html"), again.Output);

        var shipped = directory.File("shipped");
        var third = Run("pretrain", "--size", "tiny", "--cache", cache, "--continue", "--max-steps", "3", "--lr", "0.001", "--publish", shipped, "--plain");
        Assert.True(third.ExitCode == ExitCodes.Success, third.Error + third.Output);
        Assert.Contains(Path.Combine(run, "sitting-2", "model"), File.ReadAllText(Path.Combine(run, "sitting-3", "recipe.yaml")));
        var marker = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(shipped, "shipped.json")))!;
        Assert.Equal(3, marker["sittings"]!.GetValue<int>());
        Assert.Equal<string>(["recipe.yaml", "sitting-2.recipe.yaml", "sitting-3.recipe.yaml"],
            Directory.GetFiles(shipped, "*recipe.yaml").Select(file => Path.GetFileName(file)!).Order(StringComparer.Ordinal).ToArray());
        Assert.Contains("learning_rate: 0.001", File.ReadAllText(Path.Combine(shipped, "sitting-3.recipe.yaml")));
    }

    [Fact]
    public void A_sitting_takes_only_its_length_and_peak_and_needs_a_base_to_continue()
    {
        using var directory = new TemporaryDirectory();
        var cache = directory.File("cache");
        var batch = Run("pretrain", "--size", "tiny", "--cache", cache, "--continue", "--batch-size", "4");
        Assert.Equal(ExitCodes.BadInput, batch.ExitCode);
        Assert.Contains("a sitting takes only --max-steps and --lr", batch.Error);

        var data = Run("pretrain", "--size", "tiny", "--cache", cache, "--continue", "--data", Corpus(directory.File("corpus.txt")), "--output", directory.File("run"));
        Assert.Equal(ExitCodes.BadInput, data.ExitCode);
        Assert.Contains("--continue trains the built-in base further", data.Error);

        var nothing = Run("pretrain", "--size", "tiny", "--cache", cache, "--continue", "--max-steps", "2");
        Assert.Equal(ExitCodes.BadInput, nothing.ExitCode);
        Assert.Contains("there is no tiny base to continue", nothing.Error);
        Assert.False(Directory.Exists(Path.Combine(cache, "base")));
    }
}
