using static Twinforge.Cli.Tests.CliTesting;

namespace Twinforge.Cli.Tests;

[Collection("Torch")]
public sealed class DemoCommandTests
{
    /// <summary>
    /// The README's main job end to end at the tiny size: fetches the corpora from Debian packages, pre-trains the
    /// tiny base, makes the twin and the from-scratch baseline, and reports. Slow: it downloads and trains.
    /// </summary>
    [Fact]
    [Trait("Category", "Slow")]
    public void Demo_builds_the_base_makes_a_twin_and_compares_it_with_training_from_scratch()
    {
        using var directory = new TemporaryDirectory();
        var output = directory.File("demo");
        var (exitCode, text, error) = Run("demo", "--size", "tiny", "--cache", directory.File("cache"), "--output", output);

        Assert.True(exitCode == ExitCodes.Success, error + text);
        foreach (var stage in new[] { "[1/5]", "[2/5]", "[3/5]", "[4/5]", "[5/5]" }) Assert.Contains(stage, text);
        Assert.Matches(@"base model, not fine-tuned +\d+\.\d{4}", text);
        Assert.Matches(@"twin \(LoRA fine-tuned\) +\d+\.\d{4}", text);
        Assert.Matches(@"from scratch, same data +\d+\.\d{4}", text);
        Assert.Contains("Q: Why is the server down?", text);
        // Every question answered five times for the English-word share; the report keeps the first answer to each.
        var answered = Assert.Single(System.Text.RegularExpressions.Regex.Matches(text, @"Answers to all (\d+) questions of the held-out conversations, 5 each:"));
        Assert.Matches(@"twin +English words +\d+\.\d% \(\d+ of \d+, Debian's wamerican list\); \d+ different answers to \d+ questions", text);
        Assert.Equal(int.Parse(answered.Groups[1].Value), Twinforge.Reporting.SampleSet.Load(Path.Combine(output, "twin"))!.Samples.Count);
        Assert.True(File.Exists(Path.Combine(output, "twin", "report.html")));
        Assert.True(File.Exists(Path.Combine(output, "twin", "adapter", "adapter_model.safetensors")));
        Assert.Contains("Why is the server down?", File.ReadAllText(Path.Combine(output, "twin", "report.html")));
        Assert.Contains("twin/report.html", File.ReadAllText(Path.Combine(output, "report.html")));
        Assert.Contains("method: lora", File.ReadAllText(Path.Combine(output, "twin", "recipe.yaml")));
        Assert.Contains("method: from_scratch", File.ReadAllText(Path.Combine(output, "from-scratch", "recipe.yaml")));
        // The base's own pre-training run has its recipe and report, like any run.
        var baseRun = Directory.GetDirectories(Path.Combine(directory.File("cache"), "base")).Single();
        Assert.True(File.Exists(Path.Combine(baseRun, "report.html")));
        Assert.Contains("plain_text_separator: \"%\"", File.ReadAllText(Path.Combine(baseRun, "recipe.yaml")));

        // A second demo reuses the cached base: no pre-training this time.
        var again = Run("demo", "--size", "tiny", "--cache", directory.File("cache"), "--output", output);
        Assert.True(again.ExitCode == ExitCodes.Success, again.Error);
        Assert.DoesNotContain("pre-training base", again.Output);
    }
}
