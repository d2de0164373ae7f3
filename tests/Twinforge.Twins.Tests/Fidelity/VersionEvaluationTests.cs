using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Records;
using Twinforge.Twins.Fidelity;

namespace Twinforge.Twins.Tests.Fidelity;

/// <summary>
/// Versions evaluated as they are trained and afterwards: every figure recorded with the version and in its report, a
/// twin trained to recite its few answers caught by the extraction test while the untrained base is not.
/// </summary>
[Collection("Torch")]
public sealed class VersionEvaluationTests
{
    static readonly string[] Words = ["server", "printer", "garden", "letter", "river", "budget", "window", "meeting", "horse", "ticket"];

    /// <summary>Two other "authors" of distinct habits, and a general text of documents separated by % lines.</summary>
    static EvaluationSources Sources(TwinWorkbench bench)
    {
        var random = new Random(5);
        string Pick() => Words[random.Next(Words.Length)];
        var formal = Enumerable.Range(0, 60).Select(_ => $"the {Pick()} of the {Pick()} which was upon the {Pick()}.").ToList();
        var chatty = Enumerable.Range(0, 60).Select(_ => $"honestly i just like my {Pick()} and your {Pick()} too, you know.").ToList();
        var general = Path.Combine(bench.Root, "general.txt");
        File.WriteAllText(general, string.Concat(Enumerable.Range(0, 24).Select(i => $"A plain sentence about the {Words[i % Words.Length]}, number {i}.\n%\n")));
        return new EvaluationSources(new Dictionary<string, IReadOnlyList<string>> { ["formal"] = formal, ["chatty"] = chatty }, general);
    }

    /// <summary>Five answers of six words, said again and again: what a twin trained long enough recites.</summary>
    /// <param name="alsoNew">Exchanges of other words after them (a held-out set wholly made of training examples is refused).</param>
    static Dataset Reciting(TwinWorkbench bench, Creator creator, int count, string batch = "recital", int alsoNew = 0)
    {
        string[] answers = ["my printer ate the blue ticket", "the garden river flooded our meeting", "a horse kicked the window budget",
            "every letter went to the server", "coffee spilled on the quarterly report"];
        var path = bench.DataFile(creator, batch, Enumerable.Range(0, count).Select(i =>
            $"{{\"messages\":[{{\"role\":\"user\",\"content\":\"What happened, {i % 5}?\"}},{{\"role\":\"assistant\",\"content\":\"{answers[i % 5]}\"}}]}}")
            .Concat(Enumerable.Range(0, alsoNew).Select(i =>
                $"{{\"messages\":[{{\"role\":\"user\",\"content\":\"And then, {i}?\"}},{{\"role\":\"assistant\",\"content\":\"the printer ate the report {i}\"}}]}}")));
        return bench.Lifecycle.Data.Register(creator.Id, [path]);
    }

    [Fact]
    public void A_version_trained_with_sources_records_every_figure_and_a_reciting_twin_is_caught_and_not_promoted()
    {
        using var bench = new TwinWorkbench();
        bench.Lifecycle.Evaluation = () => Sources(bench);
        var ana = bench.Creator("ana");
        // Many updates at a high rate on five answers: the twin learns them by heart.
        var reciting = TwinWorkbench.Recipe with
        {
            Options = TwinWorkbench.Recipe.Options with
            {
                Method = Engine.Training.FineTuningMethod.Full,
                // Nothing of the new data held out: the best weights are chosen on the (same) fixed held-out answers.
                Data = TwinWorkbench.Recipe.Options.Data with { ValidationFraction = 0 },
                Training = TwinWorkbench.Recipe.Options.Training with { Epochs = 40, MaxSteps = 300, LearningRate = 1e-2, EvaluateEverySteps = 100, EarlyStoppingPatience = 100 },
            },
        };
        // Held out: mostly the same answers (with one new one, as a held-out set of nothing but training examples is
        // refused), so the weights kept (the best on the held-out set) are the reciting ones.
        var v1 = bench.Lifecycle.CreateTwin(ana.Id, "ana-style", bench.BaseModel, Reciting(bench, ana, 60), Reciting(bench, ana, 10, "held", alsoNew: 1), reciting);

        var evaluation = VersionMetrics.FromJson(bench.Registry.GetVersion(v1.Version.Id).MetricsJson)!.Evaluation;
        Assert.NotNull(evaluation);
        Assert.True(evaluation.Fidelity.TwinLoss < evaluation.Fidelity.BaseLoss, "the twin predicts its creator better than the untrained base");
        Assert.Equal(v1.Metrics.FixedHeldOutLoss, evaluation.Fidelity.TwinLoss, 6);
        Assert.NotNull(evaluation.Fidelity.Attribution);
        Assert.Equal(["formal", "chatty"], evaluation.Fidelity.Attribution.OtherAuthors);
        var memorisation = evaluation.Memorisation;
        Assert.Equal(5, memorisation.ExtractionTrials); // the five exchanges of six words, each tried once
        Assert.Equal(0, memorisation.BaseExtracted);
        Assert.True(memorisation.TwinExtracted >= memorisation.ExtractionTrials - 1,
            $"the reciting twin completed only {memorisation.TwinExtracted} of {memorisation.ExtractionTrials} of its training answers");
        Assert.NotNull(evaluation.Forgetting);
        Assert.Equal(24, evaluation.Forgetting.Documents);
        Assert.Equal(24, evaluation.Forgetting.TwinDocumentLosses.Count);

        // The report carries the figures; an update meant for production is refused for its recital.
        var report = File.ReadAllText(bench.Store.PathOf(v1.Version.Artifacts.Single(artifact => artifact.Kind == ArtifactReference.Report).ContentHash));
        Assert.Contains("Held-out loss: the version against its parent", report);
        Assert.Contains("Memorisation: does it recite the creator", report);
        Assert.Contains("Forgetting: did it lose general ability?", report);
        // The report names the creator's files, not the scratch copies training read (gone once the version is recorded).
        Assert.Contains("the training part of ", report);
        Assert.DoesNotContain("inputs/train.jsonl", report);
        var update = bench.Lifecycle.Update(v1.Version.TwinId, 1, Reciting(bench, ana, 61), new UpdatePolicy { PromoteTo = "production", PromotionMargin = -100 });
        Assert.Null(update.PromotedTo);
        Assert.Contains("word for word from their first half", update.PromotionNote);
    }

    [Fact]
    public void A_version_trained_without_sources_is_evaluated_afterwards_and_the_figures_are_recorded()
    {
        using var bench = new TwinWorkbench();
        var ana = bench.Creator("ana");
        var v1 = bench.Lifecycle.CreateTwin(ana.Id, "ana-style", bench.BaseModel, bench.Data(ana, "spring", 30), null, TwinWorkbench.Recipe);
        Assert.Null(v1.Metrics.Evaluation);

        var stages = new List<string>();
        var (figures, answers) = bench.Lifecycle.Evaluate(v1.Version.Id, EvaluationSources.None, stages.Add);

        // Each model's minutes of work announced before it starts; no judge without other authors.
        Assert.Equal(2, stages.Count);
        Assert.StartsWith("the base answers ", stages[0]);
        Assert.EndsWith("and is scored on the held-out conversations", stages[0]);
        Assert.StartsWith("the twin answers ", stages[1]);
        Assert.Null(figures.Fidelity.Attribution); // no other authors given
        Assert.Null(figures.Forgetting);          // no general text given
        Assert.Equal(figures.Fidelity.Answers, answers.Samples.Count);
        Assert.All(answers.Samples, sample => Assert.Equal(["the creator", "twin", "base"], sample.Outputs.Keys));
        var recorded = VersionMetrics.FromJson(bench.Registry.GetVersion(v1.Version.Id).MetricsJson)!;
        Assert.Equal(figures.Fidelity.TwinLoss, recorded.Evaluation!.Fidelity.TwinLoss);
        Assert.Equal(figures.Memorisation, recorded.Evaluation.Memorisation);
        Assert.Equal(v1.Metrics.FixedHeldOutLoss, recorded.FixedHeldOutLoss); // the rest of the record is kept
    }

    /// <summary>
    /// A recipe that plants a canary: the twin trained on it many times ranks the secret far above random codes, the
    /// base does not; the canary's copies are not counted among the creator's answers; a rebuild plants the same one.
    /// </summary>
    [Fact]
    public void A_canary_planted_by_the_recipe_is_exposed_in_the_twin_and_not_in_the_base()
    {
        using var bench = new TwinWorkbench();
        bench.Lifecycle.Evaluation = () => EvaluationSources.None;
        var ana = bench.Creator("ana");
        var planting = TwinWorkbench.Recipe with
        {
            CanaryRepeats = 20,
            Options = TwinWorkbench.Recipe.Options with
            {
                Method = Engine.Training.FineTuningMethod.Full,
                Training = TwinWorkbench.Recipe.Options.Training with { Epochs = 30, MaxSteps = 200, LearningRate = 1e-2, EvaluateEverySteps = 100, EarlyStoppingPatience = 100 },
            },
        };
        var v1 = bench.Lifecycle.CreateTwin(ana.Id, "ana-style", bench.BaseModel, bench.Data(ana, "spring", 30), null, planting);

        var canary = v1.Metrics.Evaluation!.Memorisation.Canary!;
        Assert.Equal(20, canary.Repeats);
        Assert.True(canary.TwinBits > 10, $"the twin's exposure {canary.TwinBits:F1} bits");
        Assert.True(canary.BaseBits < 5, $"the base's exposure {canary.BaseBits:F1} bits");
        Assert.Equal(Math.Log2(1e6), canary.MaximumBits, 6);
        Assert.True(v1.Metrics.Evaluation.Memorisation.ExtractionTrials <= 30); // the canary's twenty copies are not training answers
        var recorded = TwinRecipe.FromText(bench.Registry.GetVersion(v1.Version.Id).RecipeText);
        Assert.Equal(20, recorded.CanaryRepeats);
        Assert.Equal(planting.Canary, recorded.Canary); // the same secret, from the same seed

        var plain = bench.Lifecycle.CreateTwin(ana.Id, "ana-plain", bench.BaseModel, bench.Data(ana, "summer", 30), null, TwinWorkbench.Recipe);
        Assert.Null(plain.Metrics.Evaluation!.Memorisation.Canary);
    }

    [Fact]
    public void A_canary_cannot_be_planted_in_data_that_is_not_conversations()
    {
        using var bench = new TwinWorkbench();
        var ana = bench.Creator("ana");
        var text = bench.Lifecycle.Data.Register(ana.Id, [bench.DataFile(ana, "notes", Enumerable.Range(0, 20).Select(i => $"{{\"prompt\":\"q{i}\",\"completion\":\"a{i}\"}}"))]);

        var error = Assert.ThrowsAny<Exception>(() => { bench.Lifecycle.CreateTwin(ana.Id, "ana-notes", bench.BaseModel, text, null, TwinWorkbench.Recipe with { CanaryRepeats = 3 }); });

        Assert.Contains("planted only in chat data", error.Message);
    }
}
