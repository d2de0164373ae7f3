using Twinforge.Engine.Lora;
using Twinforge.Engine.Models;
using Twinforge.Engine.Tests.Data;
using Twinforge.Engine.Tokenization;
using Twinforge.Engine.Training;
using Twinforge.Engine.Training.Search;
using static Twinforge.Engine.Tests.Training.TrainingTesting;

namespace Twinforge.Engine.Tests.Training.Search;

[Collection("Torch")]
public sealed class HyperparameterSearchTests
{
    static string SaveBase(TemporaryDirectory directory)
    {
        var path = directory.Sub("base");
        using var model = new PretrainedModel(Model(Llama()), new ByteLevelTokenizer());
        model.Save(path);
        return path;
    }

    /// <summary>A small search: 3 epochs (candidates 2, 3 and 6), rank 4 (1, 4, 16), a quarter of the data held out.</summary>
    static FineTuningOptions AutoOptions() => new()
    {
        Lora = new LoraConfig { Rank = 4, Alpha = 8, TargetModules = LoraConfig.DefaultTargets(ModelFamily.Llama) },
        Data = new() { SequenceLength = 64, ValidationFraction = 0.25, Seed = 5 },
        Training = Options with { Epochs = 3, LearningRate = 1e-2, EarlyStoppingPatience = 2, Auto = true },
        SaveMergedModel = false,
    };

    static byte[] AdapterBytes(FineTuningResult result) => File.ReadAllBytes(Path.Combine(result.AdapterDirectory!, "adapter_model.safetensors"));

    [Fact]
    public void Auto_records_every_trial_keeps_the_best_third_at_each_round_and_chooses_the_best_finisher()
    {
        using var directory = new TemporaryDirectory();
        var basePath = SaveBase(directory);
        var data = directory.Write("alice.jsonl", Exchanges(48));
        var events = new List<SearchTrialCompleted>();

        var result = FineTuning.Run(basePath, [data], directory.Sub("run"), AutoOptions(), e => { if (e is SearchTrialCompleted t) events.Add(t); });

        var search = result.Search!;
        Assert.Equal(27, search.Trials.Count);
        Assert.Equal(SearchSpace.Around(AutoOptions()), search.Trials.Select(trial => trial.Candidate));
        Assert.Contains(search.Trials, trial => trial.Candidate is { LearningRate: 1e-2, Epochs: 3, Rank: 4, Alpha: 8 }); // the recipe's own
        Assert.All(search.Trials, trial => Assert.NotEmpty(trial.Rungs));
        var own = search.Trials[search.RecipeOwn];
        Assert.Equal((1e-2, 3, (int?)4), (own.Candidate.LearningRate, own.Candidate.Epochs, own.Candidate.Rank));
        Assert.Equal(3, own.Rungs.Count); // the reference goes through every round
        // Those that went on were the best third of their round (and the reference).
        var firstRound = search.Trials.OrderBy(trial => trial.Rungs[0].BestLoss).ThenBy(trial => trial.Index).Select(t => t.Index).Take(9).ToList();
        Assert.Equal(firstRound.Union([search.RecipeOwn]).Order(), search.Trials.Where(t => t.Rungs.Count >= 2).Select(t => t.Index));
        var finishers = search.Trials.Where(trial => trial.Rungs.Count == 3).ToList();
        Assert.InRange(finishers.Count, 3, 4);
        Assert.All(finishers, trial => Assert.True(trial.Rungs[^1].Finished));
        var chosen = search.ChosenTrial!;
        var challenger = finishers.Where(t => t.Index != search.RecipeOwn).MinBy(t => t.LastLoss)!;
        // The reference is left only for a challenger better beyond noise on enough held-out examples.
        if (chosen.Index != search.RecipeOwn)
        {
            Assert.Equal(challenger.Index, chosen.Index);
            Assert.True(search.Difference!.High < 0 && search.Difference.Examples >= SearchEvidence.MinimumExamples, search.Evidence);
        }
        else Assert.True(own.LastLoss <= challenger.LastLoss || search.Difference is { } d && (d.High >= 0 || d.Examples < SearchEvidence.MinimumExamples), search.Evidence);
        Assert.Equal(chosen.LastLoss, result.Training.Best!.Loss, 6);
        Assert.Equal(search.Trials.Sum(trial => trial.Rungs.Count), events.Count);
        Assert.True(search.UsedSteps <= search.BudgetSteps, $"{search.UsedSteps} updates of a {search.BudgetSteps} budget");
        Assert.True(search.RecipeSteps > 0 && search.BudgetSteps > search.RecipeSteps);
        // The run's record names the search and what it chose; the searched adapter is the run's.
        var record = File.ReadAllText(result.RecordPath);
        Assert.Contains("\"search\"", record);
        Assert.Contains("\"chosen\"", record);
        using var twin = PretrainedModel.Load(basePath);
        var adapter = PeftAdapter.Load(twin.Network, result.AdapterDirectory!);
        Assert.Equal(chosen.Candidate.Rank, adapter.Config.Rank);
    }

    /// <summary>
    /// A candidate paused at the end of a round and continued in the next trains exactly as if it had run straight
    /// through; and the same data, recipe and seed choose the same candidate and train the same bytes.
    /// </summary>
    [Fact]
    public void The_search_is_reproducible_and_its_pauses_do_not_change_the_chosen_training()
    {
        using var directory = new TemporaryDirectory();
        var basePath = SaveBase(directory);
        var data = directory.Write("alice.jsonl", Exchanges(48));

        var first = FineTuning.Run(basePath, [data], directory.Sub("first"), AutoOptions());
        var second = FineTuning.Run(basePath, [data], directory.Sub("second"), AutoOptions());
        var straight = FineTuning.Run(basePath, [data], directory.Sub("straight"), first.Search!.ChosenTrial!.Candidate.ApplyTo(AutoOptions()));

        Assert.Equal(first.Search.Chosen, second.Search!.Chosen);
        Assert.Equal(first.Search.Trials.Select(t => t.Rungs.Select(r => r.BestLoss).ToList()), second.Search.Trials.Select(t => t.Rungs.Select(r => r.BestLoss).ToList()));
        Assert.Equal(AdapterBytes(first), AdapterBytes(second));
        Assert.Null(straight.Search);
        Assert.Equal(AdapterBytes(first), AdapterBytes(straight));
    }

    [Fact]
    public void An_interrupted_search_resumes_where_it_stopped_and_ends_as_an_uninterrupted_one()
    {
        using var directory = new TemporaryDirectory();
        var basePath = SaveBase(directory);
        var data = directory.Write("alice.jsonl", Exchanges(48));
        var uninterrupted = FineTuning.Run(basePath, [data], directory.Sub("whole"), AutoOptions());

        var runDirectory = directory.Sub("interrupted");
        using var stop = new CancellationTokenSource();
        int trials = 0;
        var stopped = FineTuning.Run(basePath, [data], runDirectory, AutoOptions(), e =>
        {
            if (e is SearchTrialCompleted && ++trials == 30) stop.Cancel(); // in the second round
        }, stop.Token);
        Assert.True(stopped.Training.Cancelled);
        Assert.Null(stopped.Search!.Chosen);

        var resumedTrials = new List<SearchTrialCompleted>();
        var resumed = FineTuning.Run(basePath, [data], runDirectory, AutoOptions(), e => { if (e is SearchTrialCompleted t) resumedTrials.Add(t); });

        Assert.InRange(resumedTrials.Count, 1, 40 - 30); // the recorded trials are not run again
        Assert.Equal(uninterrupted.Search!.Chosen, resumed.Search!.Chosen);
        Assert.Equal(AdapterBytes(uninterrupted), AdapterBytes(resumed));
    }

    [Fact]
    public void Auto_without_held_out_data_says_it_has_nothing_to_choose_by()
    {
        using var directory = new TemporaryDirectory();
        var basePath = SaveBase(directory);
        var data = directory.Write("alice.jsonl", Exchanges(8));
        var options = AutoOptions() with { Data = AutoOptions().Data with { ValidationFraction = 0 } };

        var error = Assert.Throws<BadInputException>(() => { FineTuning.Run(basePath, [data], directory.Sub("run"), options); });
        Assert.Contains("held-out", error.Message);
    }

    [Fact]
    public void A_damaged_search_record_is_reported_by_its_path_not_as_a_stack_trace()
    {
        using var directory = new TemporaryDirectory();
        var basePath = SaveBase(directory);
        var data = directory.Write("alice.jsonl", Exchanges(8));
        var runDirectory = directory.Sub("run");
        var record = Path.Combine(runDirectory, HyperparameterSearch.DirectoryName, HyperparameterSearch.RecordFileName);
        Directory.CreateDirectory(Path.GetDirectoryName(record)!);
        File.WriteAllText(record, "{\"trials\": [");

        var error = Assert.Throws<InputFileException>(() => { FineTuning.Run(basePath, [data], runDirectory, AutoOptions()); });

        Assert.Equal(record, error.FilePath);
        Assert.Contains("delete the run directory's search/", error.Problem);
    }

    [Fact]
    public void The_space_is_centred_on_the_recipe_and_leaves_the_rank_alone_when_an_adapter_is_continued()
    {
        var options = AutoOptions();
        var candidates = SearchSpace.Around(options);
        Assert.Equal([1e-2 * (1 / 3.0), 1e-2, 1e-2 * 3], candidates.Select(c => c.LearningRate).Distinct());
        Assert.Equal([2, 3, 6], candidates.Select(c => c.Epochs).Distinct());
        Assert.Equal([1, 4, 16], candidates.Select(c => c.Rank!.Value).Distinct());
        Assert.All(candidates, c => Assert.Equal(2.0, c.Alpha!.Value / c.Rank!.Value)); // the adapter's scaling kept

        var continued = SearchSpace.Around(options with { InitialAdapter = "parent-adapter" });
        Assert.Equal(9, continued.Count);
        Assert.All(continued, c => Assert.Null(c.Rank));
    }

    [Fact]
    public void Full_fine_tuning_joins_a_new_adapters_space_only_when_the_recipe_allows_it()
    {
        var options = AutoOptions() with { Training = AutoOptions().Training with { AutoFullFineTuning = true } };
        var candidates = SearchSpace.Around(options);

        Assert.Equal(SearchSpace.Around(AutoOptions()), candidates.Take(27)); // the adapter's candidates first, as before
        var full = candidates.Skip(27).ToList();
        Assert.Equal(6, full.Count);
        Assert.All(full, c => Assert.Equal(FineTuningMethod.Full, c.Method));
        Assert.All(full, c => Assert.Null(c.Rank));
        Assert.Equal([1e-2 / 30, 1e-2 / 10], full.Select(c => c.LearningRate).Distinct());
        Assert.Equal([2, 3, 6], full.Select(c => c.Epochs).Distinct());
        // A continued adapter keeps its method and shape.
        Assert.All(SearchSpace.Around(options with { InitialAdapter = "parent-adapter" }), c => Assert.Null(c.Method));

        var applied = full[0].ApplyTo(options);
        Assert.Equal(FineTuningMethod.Full, applied.Method);
        Assert.Null(applied.Lora);
        Assert.Equal((1e-2 / 30, 2, false), (applied.Training.LearningRate, applied.Training.Epochs, applied.Training.Auto));
        applied.Validate();
        Assert.StartsWith("full fine-tuning, learning rate", full[0].ToString());
    }

    [Fact]
    public void A_search_that_may_fine_tune_fully_trains_those_candidates_as_whole_models_and_adopts_what_it_chose()
    {
        using var directory = new TemporaryDirectory();
        var basePath = SaveBase(directory);
        var data = directory.Write("alice.jsonl", Exchanges(48));
        var options = AutoOptions() with { Training = AutoOptions().Training with { AutoFullFineTuning = true } };

        var result = FineTuning.Run(basePath, [data], directory.Sub("run"), options);

        var search = result.Search!;
        Assert.Equal(33, search.Trials.Count);
        Assert.Null(search.Trials[search.RecipeOwn].Candidate.Method);
        foreach (var trial in search.Trials.Where(t => t.Candidate.Method == FineTuningMethod.Full))
        {
            Assert.NotEmpty(trial.Rungs);
            var record = File.ReadAllText(Path.Combine(directory.Sub("run"), HyperparameterSearch.DirectoryName, $"trial-{trial.Index + 1:00}", FineTuning.RecordFileName));
            Assert.Contains("\"method\": \"full\"", record);
        }
        // The run's outputs are the chosen candidate's kind: an adapter for LoRA, a whole model (and no adapter) for full.
        bool choseFull = search.ChosenTrial!.Candidate.Method == FineTuningMethod.Full;
        Assert.Equal(choseFull, result.AdapterDirectory is null);
        Assert.Equal(choseFull, result.ModelDirectory is not null);
    }

    [Fact]
    public void A_difference_shows_beyond_noise_only_when_every_example_agrees_enough()
    {
        static IReadOnlyList<ExampleLoss> Losses(params double[] perToken) => perToken.Select((loss, i) => new ExampleLoss(i, loss * 10, 10)).ToList();
        var reference = Losses(3.0, 2.5, 4.0, 3.2, 2.8, 3.9, 3.1, 2.7, 3.5, 3.3);

        var better = SearchEvidence.Compare(reference, Losses(2.9, 2.42, 3.88, 3.1, 2.71, 3.8, 3.02, 2.6, 3.41, 3.2));
        var same = SearchEvidence.Compare(reference, reference);
        var mixed = SearchEvidence.Compare(reference, Losses(2.5, 2.9, 3.6, 3.5, 2.4, 4.2, 2.8, 3.0, 3.2, 3.6));

        Assert.True(better.High < 0, better.ToString());
        Assert.Equal(10, better.Examples);
        Assert.Equal(0, same.Mean);
        Assert.True(mixed.Low < 0 && mixed.High > 0, mixed.ToString());
        var single = SearchEvidence.Compare(Losses(3.0), Losses(2.9));
        Assert.True(double.IsInfinity(single.High), single.ToString()); // one example has no spread to judge by
        Assert.Contains("too few for an interval", single.ToString());
    }
    /// <summary>Two trials, the recipe's own (0) and a challenger (1) better on the held-out part by the given losses.</summary>
    static SearchRecord TwoTrials(double ownLoss, double challengerLoss) => new()
    {
        Trials =
        [
            new SearchTrial(0, new SearchCandidate(1e-3, 8, 16, 32), [new SearchRung(8, 8, ownLoss, 8, true)]),
            new SearchTrial(1, new SearchCandidate(3e-3, 16, 16, 32), [new SearchRung(16, 16, challengerLoss, 16, true)]),
        ],
        RungFractions = HyperparameterSearch.RungFractions, Reduction = HyperparameterSearch.Reduction,
    };

    static IReadOnlyList<ExampleLoss> PerExample(params double[] perToken) => perToken.Select((loss, i) => new ExampleLoss(i, loss * 10, 10)).ToList();

    [Fact]
    public void Too_few_held_out_examples_are_settled_by_cross_validation_on_all_the_data()
    {
        // Four held-out examples all favour the challenger, yet four cannot show it.
        var held = PerExample(3.0, 3.2, 2.9, 3.1);
        var heldBetter = PerExample(2.9, 3.1, 2.8, 3.0);
        var confirmed = new SearchConfirmation(3, SearchEvidence.Compare(PerExample(3, 3, 3, 3, 3, 3, 3, 3, 3, 3), PerExample(2.9, 2.95, 2.9, 2.85, 2.9, 2.92, 2.88, 2.9, 2.93, 2.9)), Steps: 120);
        var refuted = confirmed with { Difference = SearchEvidence.Compare(PerExample(3, 3, 3, 3, 3, 3, 3, 3, 3, 3), PerExample(2.5, 3.5, 2.9, 3.2, 2.8, 3.3, 3.0, 2.7, 3.4, 3.0)) };

        var won = TwoTrials(3.05, 2.95);
        Assert.Equal(1, HyperparameterSearch.Decide(won, 0, 1, () => held, () => heldBetter, () => confirmed));
        Assert.Equal(confirmed, won.Confirmation);
        Assert.Contains("3-fold cross-validation", won.Evidence);
        Assert.Equal(120, won.UsedSteps - 8 - 16); // the folds' updates are counted

        var lost = TwoTrials(3.05, 2.95);
        Assert.Equal(0, HyperparameterSearch.Decide(lost, 0, 1, () => held, () => heldBetter, () => refuted));
        Assert.StartsWith("kept the recipe's own settings", lost.Evidence);
        Assert.Contains("cross-validation", lost.Evidence);

        // Too few examples even pooled: nothing could show it, the recipe's own settings are kept.
        var tiny = TwoTrials(3.05, 2.95);
        Assert.Equal(0, HyperparameterSearch.Decide(tiny, 0, 1, () => held, () => heldBetter, () => null));
        Assert.Null(tiny.Confirmation);

        // Held-out data that shows it needs no folds; nor does a reference that was best on enough of it.
        var clear = TwoTrials(3.05, 2.6);
        var tenHeld = PerExample(3.0, 2.5, 4.0, 3.2, 2.8, 3.9, 3.1, 2.7, 3.5, 3.3);
        Assert.Equal(1, HyperparameterSearch.Decide(clear, 0, 1, () => tenHeld, () => PerExample(2.9, 2.42, 3.88, 3.1, 2.71, 3.8, 3.02, 2.6, 3.41, 3.2),
            () => throw new InvalidOperationException("no cross-validation when the held-out data shows the difference")));
        var ownBest = TwoTrials(2.9, 3.0);
        Assert.Equal(0, HyperparameterSearch.Decide(ownBest, 0, 1, () => tenHeld, () => PerExample(4.0, 3.5, 5.0, 4.2, 3.8, 4.9, 4.1, 3.7, 4.5, 4.3),
            () => throw new InvalidOperationException("no cross-validation when the reference was best on ten held-out examples")));
        Assert.Equal("the recipe's own settings had the lowest held-out loss", ownBest.Evidence);

        // Best on four held-out examples means as little as losing on them: the folds decide.
        var ownBestOnFew = TwoTrials(2.9, 3.0);
        Assert.Equal(1, HyperparameterSearch.Decide(ownBestOnFew, 0, 1, () => heldBetter, () => held, () => confirmed));
        Assert.Contains("held out alone the recipe's own settings were best, on 4 examples", ownBestOnFew.Evidence);
    }

    [Fact]
    public void The_folds_choose_among_every_finisher_with_an_interval_widened_for_their_number()
    {
        var reference = PerExample(3, 3, 3, 3, 3, 3, 3, 3, 3, 3);
        var finisher = PerExample(2.9, 2.95, 2.9, 2.85, 2.9, 2.92, 2.88, 2.9, 2.93, 2.9);
        var alone = SearchEvidence.Compare(reference, finisher);
        var amongFour = SearchEvidence.Compare(reference, finisher, comparisons: 4);
        Assert.Equal(alone.Mean, amongFour.Mean, 12);
        Assert.True(amongFour.High - amongFour.Low > (alone.High - alone.Low) * 1.25, $"{amongFour} against {alone}");
        Assert.Contains("Bonferroni, 4 comparisons", amongFour.ToString());

        // Three trials: the held-out favourite (1) lost out of fold to the third (2), which the folds chose.
        var record = TwoTrials(3.05, 2.95);
        record.Trials.Add(new SearchTrial(2, new SearchCandidate(1e-4, 16, null, null, FineTuningMethod.Full), [new SearchRung(16, 16, 2.99, 16, true)]));
        var confirmation = new SearchConfirmation(3, amongFour, Steps: 90, Challenger: 2, Finalists: 2);
        var fourHeld = PerExample(3.0, 3.2, 2.9, 3.1);
        Assert.Equal(2, HyperparameterSearch.Decide(record, 0, 1, () => fourHeld, () => fourHeld, () => confirmation));
        Assert.StartsWith("full fine-tuning, learning rate 1e-4, 16 epochs beat the recipe's own settings beyond noise", record.Evidence);
        Assert.Equal("learning rate 3.33e-5, 8 epochs", new SearchCandidate(1e-3 / 30, 8, null, null).ToString());
        Assert.Equal("learning rate 0.003, 8 epochs, rank 64", new SearchCandidate(3e-3, 8, 64, 128).ToString());
        Assert.Contains("of 2 finishers", record.Evidence);
    }

    [Fact]
    public void A_search_on_little_held_out_data_cross_validates_its_challenger_on_every_example()
    {
        using var directory = new TemporaryDirectory();
        var basePath = SaveBase(directory);
        var data = directory.Write("alice.jsonl", Exchanges(24));
        // A recipe that barely trains (one epoch at a low rate), so a challenger beats it on the four held-out examples.
        var options = AutoOptions() with
        {
            Data = AutoOptions().Data with { ValidationFraction = 1 / 6.0 },
            Training = AutoOptions().Training with { Epochs = 1, LearningRate = 1e-3 },
        };

        var result = FineTuning.Run(basePath, [data], directory.Sub("run"), options);

        var search = result.Search!;
        Assert.Equal(4, search.Difference!.Examples);
        var confirmation = search.Confirmation!;
        Assert.Equal(CrossValidation.Folds, confirmation.Folds);
        Assert.Equal(24, confirmation.Difference.Examples); // every exchange judged once, by a run that did not train on it
        Assert.True(confirmation.Steps > 0);
        Assert.True(search.UsedSteps <= search.BudgetSteps, $"{search.UsedSteps} updates of a {search.BudgetSteps} budget");
        Assert.Contains("cross-validation", search.Evidence);
        // The recipe's own and every finisher, each trained on two folds and scored on the third.
        var folds = Path.Combine(directory.Sub("run"), HyperparameterSearch.DirectoryName, HyperparameterSearch.ConfirmationDirectoryName);
        var finishers = search.Trials.Where(t => t.Index != search.RecipeOwn && t.Rungs.Count == HyperparameterSearch.RungFractions.Length).Select(t => t.Index).ToList();
        Assert.Equal(finishers.Count, confirmation.Finalists);
        Assert.Contains(confirmation.Challenger!.Value, finishers);
        Assert.Equal([HyperparameterSearch.RecipeOwnConfirmationName, .. finishers.Select(HyperparameterSearch.TrialName)],
            Directory.EnumerateDirectories(folds).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.All(Directory.EnumerateDirectories(folds).SelectMany(CrossValidation.FoldDirectories),
            fold => Assert.True(File.Exists(Path.Combine(fold, FineTuning.RecordFileName)), fold));
        Assert.Equal(search.Chosen == search.RecipeOwn, confirmation.Difference.High >= 0);
    }
}
