using System.Text.Json;
using static Twinforge.Cli.Tests.CliTesting;

namespace Twinforge.Cli.Tests.Study;

[Collection("Torch")]
public sealed class StudyCommandTests
{
    [Fact]
    public void The_study_trains_both_methods_on_nested_shares_and_reports_the_curve()
    {
        using var directory = new TemporaryDirectory();
        var model = TinyModel(directory.File("base"));
        var training = ChatData(directory.File("train.jsonl"), 16);
        var validation = ChatData(directory.File("held-out.jsonl"), 4, offset: 50);
        var output = directory.File("study");

        var (exitCode, text, error) = Run("study", "data-efficiency", "--base", model, "--data", training, "--validation", validation,
            "--fractions", "0.25,1", "--max-steps", "4", "--size", "tiny", "--output", output);

        Assert.True(exitCode == ExitCodes.Success, error + text);
        Assert.Contains("| share of data |", text);
        Assert.Contains("| 25% | 4 |", text);
        Assert.Contains("| 100% | 16 |", text);
        // The untouched base first, and every share's gain over it (base loss minus fine-tuned loss) and per 1,000 tokens.
        var baseRow = System.Text.RegularExpressions.Regex.Match(text, @"\| 0% \(the base\) \| 0 \| 0 \| (\d+\.\d{4}) \|");
        Assert.True(baseRow.Success, text);
        var quarterRow = System.Text.RegularExpressions.Regex.Match(text, @"\| 25% \| 4 \| [\d,]+ \| (\d+\.\d{4}) \| \d+\.\d{4} \| (-?\d+\.\d{4}) \| (-?\d+\.\d{4}) \|");
        Assert.True(quarterRow.Success, text);
        double Number(System.Text.RegularExpressions.Group group) => double.Parse(group.Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(Number(baseRow.Groups[1]) - Number(quarterRow.Groups[1]), Number(quarterRow.Groups[2]), 3);
        Assert.True(File.Exists(Path.Combine(output, "data-efficiency.png")));
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "study.json")));
        Assert.Equal(5, results.RootElement.GetProperty("points").GetArrayLength()); // the base and two shares by two methods
        Assert.Equal(2, results.RootElement.GetProperty("multiples").GetArrayLength());
        // Shares are nested: the quarter is a subset of the whole.
        var quarter = File.ReadAllLines(Path.Combine(output, "data", "25%.jsonl"));
        Assert.Subset(File.ReadAllLines(training).ToHashSet(), quarter.ToHashSet());

        // A report over the study, and every run with its own report and the recipe that repeats it.
        var report = File.ReadAllText(Path.Combine(output, "report.html"));
        Assert.Contains("data multiple", report);
        Assert.Contains("data:image/png;base64,", report);
        foreach (var run in new[] { "25%-fine-tuned", "25%-scratch", "100%-fine-tuned", "100%-scratch" })
        {
            Assert.True(File.Exists(Path.Combine(output, "runs", run, "report.html")), run);
            Assert.Contains($"runs/{Uri.EscapeDataString(run)}/report.html", report);
        }
        Assert.Contains("method: from_scratch", File.ReadAllText(Path.Combine(output, "runs", "25%-scratch", "recipe.yaml")));

        // The output holds a study now: refused without --resume, continued (every run reused) with it.
        string[] again = ["study", "data-efficiency", "--base", model, "--data", training, "--validation", validation,
            "--fractions", "0.25,1", "--max-steps", "4", "--size", "tiny", "--output", output];
        var refused = Run(again);
        Assert.Equal(ExitCodes.BadInput, refused.ExitCode);
        Assert.Contains("--resume", refused.Error);
        var resumed = Run([.. again, "--resume"]);
        Assert.True(resumed.ExitCode == ExitCodes.Success, resumed.Error);
        Assert.Equal(text[text.IndexOf("| share of data |")..].Split("Results:")[0], resumed.Output[resumed.Output.IndexOf("| share of data |")..].Split("Results:")[0]);
    }

    /// <summary>
    /// With judge sources, the base and every fine-tuned share answer the held-out prompts and one judge, trained on all
    /// the creator's training answers, attributes them: the base row carries the floor and the creator's own ceiling.
    /// </summary>
    [Fact]
    public void A_judged_study_attributes_the_answers_of_the_base_and_of_every_fine_tuned_share()
    {
        using var directory = new TemporaryDirectory();
        var model = TinyModel(directory.File("base"));
        var training = ChatData(directory.File("train.jsonl"), 16);
        var validation = ChatData(directory.File("held-out.jsonl"), 8, offset: 50);
        var random = new Random(3);
        string[] words = ["garden", "letter", "river", "budget", "window", "meeting", "horse", "ticket"];
        string Pick() => words[random.Next(words.Length)];
        var judge = new Twins.Fidelity.EvaluationSources(new Dictionary<string, IReadOnlyList<string>>
        {
            ["formal"] = Enumerable.Range(0, 40).Select(_ => $"the {Pick()} of the {Pick()} which was upon the {Pick()}.").ToList(),
            ["chatty"] = Enumerable.Range(0, 40).Select(_ => $"honestly i just like my {Pick()} and your {Pick()} too, you know.").ToList(),
        }, GeneralTextFile: null);
        var recipe = new Recipes.Recipe
        {
            Options = new Engine.Training.FineTuningOptions
            {
                Lora = new Engine.Lora.LoraConfig { Rank = 4, Alpha = 8 },
                Data = new() { SequenceLength = 128, Format = Engine.Data.DatasetFormat.Chat },
                Training = new() { MaxSteps = 4, EvaluateEverySteps = 2, BatchSize = 4, LearningRate = 1e-2, Precision = Engine.Training.TrainingPrecision.Float32 },
            },
        };
        var output = directory.File("study");

        var console = new StringWriter();
        var points = new Cli.Study.DataEfficiencyStudy(model, training, validation, output, judge)
            .Run([0.5, 1], recipe, (_, work) => work(_ => { }), console, CancellationToken.None);

        // The judging after each fine-tuned run takes minutes of generation on a real base: announced, not silent.
        Assert.Contains("judging: the twin answers ", console.ToString());
        Assert.Contains("judging: the stylometric judge learns the creator's style", console.ToString());

        var untouched = points[0];
        Assert.InRange(untouched.CreatorShare!.Value, 0, 1);
        Assert.InRange(untouched.CeilingShare!.Value, 0, 1);
        Assert.All(points.Where(p => p.Method == "fine-tuned"), p => Assert.InRange(p.CreatorShare!.Value, 0, 1));
        Assert.All(points.Where(p => p.Method == "from scratch"), p => Assert.Null(p.CreatorShare));
        var table = File.ReadAllText(Path.Combine(output, "study.md"));
        Assert.Contains("attributed to the creator", table);
        Assert.Contains("points |", table); // the attribution gain per 1,000 tokens, in points
        Assert.True(File.Exists(Path.Combine(output, Cli.Study.DataEfficiencyStudy.AttributionPlotFileName)));
    }

    [Fact]
    public void A_recipe_sets_the_fine_tuned_runs_and_data_must_be_one_file_with_a_held_out_file()
    {
        using var directory = new TemporaryDirectory();
        var model = TinyModel(directory.File("base"));
        var training = ChatData(directory.File("train.jsonl"), 8);
        var recipe = directory.File("study.yaml");
        File.WriteAllText(recipe, $"base: {model}\ndata: train.jsonl\nmethod: full\ntraining: {{ max_steps: 2, batch_size: 4 }}\n");

        var noValidation = Run("study", "data-efficiency", "--recipe", recipe, "--output", directory.File("study"));
        Assert.Equal(ExitCodes.BadInput, noValidation.ExitCode);
        Assert.Contains("validation", noValidation.Error);

        var validation = ChatData(directory.File("held-out.jsonl"), 4, offset: 50);
        var result = Run("study", "data-efficiency", "--recipe", recipe, "--validation", validation, "--fractions", "1",
            "--set", "early_stopping.evaluate_every_steps=1", "--output", directory.File("study"));
        Assert.True(result.ExitCode == ExitCodes.Success, result.Error + result.Output);
        var written = File.ReadAllText(Path.Combine(directory.File("study"), "runs", "100%-fine-tuned", "recipe.yaml"));
        Assert.Contains("method: full", written);
        Assert.Contains("max_steps: 2", written);
    }

    [Fact]
    public void Shares_outside_zero_to_one_are_bad_input()
    {
        var (exitCode, _, error) = Run("study", "data-efficiency", "--fractions", "0.5,2");
        Assert.Equal(ExitCodes.BadInput, exitCode);
        Assert.Contains("'2'", error);
    }
}
