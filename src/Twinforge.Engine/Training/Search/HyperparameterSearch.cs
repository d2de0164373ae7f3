using System.Text.Json.Nodes;

namespace Twinforge.Engine.Training.Search;

/// <summary>
/// <c>training: auto</c>: chooses the learning rate, epochs and LoRA rank (and, if the recipe allows, full fine-tuning
/// instead of an adapter) for a creator's data by successive halving
/// (Jamieson and Talwalkar 2016) on the held-out loss, under a budget fixed in advance. Every candidate of
/// <see cref="SearchSpace.Around"/> trains for the first ninth of its epochs; the best third go on to a third of
/// theirs, and the best third of those to the end; the finisher with the lowest held-out loss is the run's result.
/// A paused candidate continues from its checkpoint (the trainer's resume is exact), so a survivor's updates are
/// never repeated. The recipe's own settings are the reference: another finisher replaces them only when better beyond
/// noise, on the held-out data or, when that is too little to show it, cross-validated on all the data
/// (<see cref="CrossValidation"/>). Every candidate uses the
/// recipe's seed (so they differ only in their settings) and the search is deterministic: the same data, recipe and
/// seed choose the same candidate and train the same weights.
/// </summary>
/// <remarks>
/// Rungs end at the first evaluation at or after their share of a candidate's epochs (every epoch ends with one), so
/// a pause never adds an evaluation, and a candidate's training is the same as if it had run straight through.
/// The candidates' runs are kept under <c>search/</c> in the run directory (their checkpoints deleted once the search
/// is over), and the cross-validation's folds under <c>search/cross-validation/</c>; the chosen one's adapter, model and
/// metrics become the run's own, and <c>run.json</c> records the search.
/// </remarks>
public static class HyperparameterSearch
{
    public const string DirectoryName = "search";
    public const string RecordFileName = "search.json";

    /// <summary>Under the search's directory: the cross-validated comparison's fold runs, for the recipe's own settings and each finisher.</summary>
    public const string ConfirmationDirectoryName = "cross-validation";

    /// <summary>The recipe's own settings' directory under <see cref="ConfirmationDirectoryName"/>; each finalist's is its trial's name.</summary>
    public const string RecipeOwnConfirmationName = "recipe-own";

    /// <summary>A trial's directory under the search's, and a finalist's under <see cref="ConfirmationDirectoryName"/>.</summary>
    public static string TrialName(int index) => $"trial-{index + 1:00}";

    /// <summary>The share of a candidate's epochs each rung trains it to.</summary>
    public static readonly double[] RungFractions = [1 / 9.0, 1 / 3.0, 1];

    /// <summary>η: each rung keeps the best 1/η of the candidates that reached it.</summary>
    public const int Reduction = 3;

    /// <summary>Runs the search as <see cref="FineTuning.Run"/> does one run, into <paramref name="runDirectory"/>.</summary>
    /// <exception cref="BadInputException">There is no held-out data to choose by.</exception>
    public static FineTuningResult Run(string baseModelDirectory, IReadOnlyList<string> dataFiles, string runDirectory, FineTuningOptions options,
        Action<TrainingEvent>? onEvent, CancellationToken cancellationToken, string? baseModelSource)
    {
        if (options.Data.ValidationFile is null && options.Data.ValidationFraction <= 0)
            throw new BadInputException("training.auto chooses by the held-out loss: give a validation file or a data_options.validation_fraction above 0");
        var candidates = SearchSpace.Around(options);
        var searchDirectory = Path.Combine(runDirectory, DirectoryName);
        Directory.CreateDirectory(searchDirectory);
        var recordPath = Path.Combine(searchDirectory, RecordFileName);
        var record = File.Exists(recordPath) ? SearchRecord.Load(recordPath) : null;
        if (record is not null && !record.Trials.Select(trial => trial.Candidate).SequenceEqual(candidates))
            throw new CheckpointMismatchException(searchDirectory);
        record ??= new SearchRecord
        {
            Trials = candidates.Select((candidate, index) => new SearchTrial(index, candidate, [])).ToList(),
            RungFractions = RungFractions, Reduction = Reduction,
        };

        string TrialDirectory(int index) => Path.Combine(searchDirectory, TrialName(index));
        FineTuningOptions TrialOptions(SearchTrial trial)
        {
            var applied = trial.Candidate.ApplyTo(options);
            return applied with { SaveMergedModel = false, Training = applied.Training with { KeepLastCheckpoints = 1 } };
        }

        int own = OwnIndex(candidates, options);
        record.RecipeOwn = own;
        var alive = Enumerable.Range(0, candidates.Count).ToList();
        bool warned = false;
        for (int rung = 0; rung < RungFractions.Length; rung++)
        {
            bool lastRung = rung == RungFractions.Length - 1;
            foreach (var index in alive)
            {
                var trial = record.Trials[index];
                if (trial.Rungs.Count > rung || trial.Failure is not null) continue;
                int epochs = SearchBudget.RoundEpochs(trial.Candidate.Epochs, rung, RungFractions);
                // The data's notices (examples dropped for their length) are the same for every candidate: said once.
                Action<TrainingEvent>? warnings = warned ? null : e => { if (e is TrainingWarning) onEvent?.Invoke(e); };
                warned = true;
                SearchRung? reached = null;
                try
                {
                    var (rungReached, run) = Train(baseModelDirectory, dataFiles, TrialDirectory(index), TrialOptions(trial), epochs, warnings,
                        cancellationToken, baseModelSource, record);
                    // Stopped by the caller: the trials so far are recorded, and running the search again continues it.
                    if (rungReached is null) return run with { Search = record };
                    reached = rungReached;
                    trial.Rungs.Add(reached);
                }
                catch (TrainingDivergedException diverged)
                {
                    trial.Failure = $"diverged at step {diverged.Step}";
                }
                record.Save(recordPath);
                onEvent?.Invoke(new SearchTrialCompleted(trial.Steps, index + 1, candidates.Count, rung + 1, RungFractions.Length, trial.Candidate.ToString(),
                    reached?.BestLoss ?? double.NaN, reached?.Finished ?? false, trial.Failure));
            }
            // The recipe's own settings are the reference every round: they go on whatever their rank.
            if (!lastRung)
                alive = Survivors(record, alive, SearchBudget.Kept(alive.Count, Reduction)).Union([own]).Order().ToList();
        }
        // The finalists: every other candidate that finished, best held-out loss first; the first is the challenger.
        var finalists = alive.Where(index => index != own && record.Trials[index].Failure is null)
            .OrderBy(index => record.Trials[index].LastLoss).ThenBy(index => index).ToList();
        int challenger = finalists is [var best, ..] ? best : own;
        if (record.Trials[own].Failure is not null && challenger == own)
            throw new InvalidOperationException($"every candidate of the search diverged ({searchDirectory}): lower training.learning_rate");

        // A finished run again restores its best weights and writes its outputs (merged model too, if asked).
        FineTuningResult Finished(int index, bool asAsked = false) => FineTuning.Run(baseModelDirectory, dataFiles, TrialDirectory(index),
            TrialOptions(record.Trials[index]) with { SaveMergedModel = asAsked && options.SaveMergedModel }, onEvent: null, CancellationToken.None, baseModelSource);
        // The reference's finished run is wanted twice (its held-out losses, the data's size): restored once.
        var ownFinished = new Lazy<FineTuningResult>(() => Finished(own));
        var confirmationDirectory = Path.Combine(searchDirectory, ConfirmationDirectoryName);
        FineTuningResult? stopped = null;
        SearchConfirmation? Confirm()
        {
            var pooled = ownFinished.Value.Data;
            int examples = pooled.Statistics.Examples + (pooled.HeldOutStatistics?.Examples ?? 0);
            int documents = pooled.Statistics.Documents + (pooled.HeldOutStatistics?.Documents ?? 0);
            // Fewer examples than the evidence rule needs, or than folds: cross-validation could not show a difference either.
            if (examples < SearchEvidence.MinimumExamples || documents < CrossValidation.Folds || finalists.Count == 0) return null;
            var (ownLosses, steps, ownStopped) = CrossValidation.OutOfFold(baseModelDirectory, dataFiles, TrialOptions(record.Trials[own]),
                Path.Combine(confirmationDirectory, RecipeOwnConfirmationName), cancellationToken, baseModelSource);
            if (ownLosses is null)
            {
                stopped = ownStopped;
                return null;
            }
            // Every finalist, not only the held-out tenth's favourite: that few examples rank them by luck. Choosing
            // the best of several out of fold is itself a chance to be lucky, so each interval is widened to hold for
            // all of them at once (Bonferroni).
            (int Index, SearchDifference Difference)? leader = null;
            foreach (var finalist in finalists)
            {
                var (losses, finalistSteps, finalistStopped) = CrossValidation.OutOfFold(baseModelDirectory, dataFiles, TrialOptions(record.Trials[finalist]),
                    Path.Combine(confirmationDirectory, TrialName(finalist)), cancellationToken, baseModelSource);
                if (losses is null)
                {
                    stopped = finalistStopped;
                    return null;
                }
                steps += finalistSteps;
                var difference = SearchEvidence.Compare(ownLosses, losses, comparisons: finalists.Count);
                if (leader is null || difference.Mean < leader.Value.Difference.Mean) leader = (finalist, difference);
            }
            return new SearchConfirmation(CrossValidation.Folds, leader!.Value.Difference, steps, leader.Value.Index, finalists.Count);
        }
        int chosen = Decide(record, own, challenger, () => SearchEvidence.Losses(baseModelDirectory, dataFiles, options, ownFinished.Value),
            () => SearchEvidence.Losses(baseModelDirectory, dataFiles, options, Finished(challenger)), Confirm);
        // Stopped by the caller while cross-validating: nothing is decided yet, and running the search again continues the folds.
        if (stopped is not null)
        {
            record.Evidence = null;
            return stopped with { Search = record };
        }
        record.Chosen = chosen;
        record.Save(recordPath);
        var result = Finished(chosen, asAsked: true);
        foreach (var trial in record.Trials.Where(trial => trial.Index != chosen))
            DeleteCheckpoints(TrialDirectory(trial.Index));
        if (Directory.Exists(confirmationDirectory))
            foreach (var setting in Directory.EnumerateDirectories(confirmationDirectory))
                foreach (var fold in CrossValidation.FoldDirectories(setting))
                    DeleteCheckpoints(fold);
        return Adopt(runDirectory, TrialDirectory(chosen), result, record);
    }

    /// <summary>
    /// Chooses between the recipe's own settings and the other finishers by evidence beyond noise: another wins only
    /// when its loss is lower, example by example, with the whole 95% interval of the mean difference below zero, over
    /// at least <see cref="SearchEvidence.MinimumExamples"/> examples. The held-out examples are asked first, of the
    /// best finisher there; when they cannot show it (too few, or too close) — or the recipe's own was best on too few
    /// to mean it — every finisher is cross-validated against the recipe's own on all the data
    /// (<see cref="CrossValidation"/>), which at small shares gives several times the examples to judge on, and the
    /// best out of fold wins if its interval, widened for the number of finishers compared, is below zero. With too
    /// few examples even then, the difference cannot be told from noise and the recipe's own settings are kept: a
    /// search on two examples would choose on luck.
    /// </summary>
    /// <param name="challenger">The best other finisher on the held-out data (<paramref name="own"/> when there is none).</param>
    /// <param name="crossValidate">The out-of-fold comparison of every finisher with the recipe's own; null when the data are too few.</param>
    internal static int Decide(SearchRecord record, int own, int challenger, Func<IReadOnlyList<ExampleLoss>> ownLosses, Func<IReadOnlyList<ExampleLoss>> challengerLosses,
        Func<SearchConfirmation?> crossValidate)
    {
        var ownTrial = record.Trials[own];
        if (challenger == own)
        {
            record.Evidence = "the recipe's own settings had the lowest held-out loss";
            return own;
        }
        if (ownTrial.Failure is not null)
        {
            record.Evidence = $"the recipe's own settings {ownTrial.Failure}";
            return challenger;
        }
        bool ownBest = ownTrial.LastLoss <= record.Trials[challenger].LastLoss;
        var heldOutCandidate = record.Trials[challenger].Candidate;
        var difference = SearchEvidence.Compare(ownLosses(), challengerLosses());
        record.Difference = difference;
        if (ownBest && difference.Examples >= SearchEvidence.MinimumExamples)
        {
            record.Evidence = "the recipe's own settings had the lowest held-out loss";
            return own;
        }
        if (!ownBest && Convincing(difference))
        {
            record.Evidence = FormattableString.Invariant($"{heldOutCandidate} beat the recipe's own settings beyond noise: {difference}");
            return challenger;
        }
        string heldOut = ownBest
            ? FormattableString.Invariant($"held out alone the recipe's own settings were best, on {difference.Examples} examples")
            : FormattableString.Invariant($"held out alone, {heldOutCandidate}: {difference}");
        var confirmation = record.Confirmation ?? crossValidate();
        record.Confirmation = confirmation;
        if (confirmation is null)
        {
            record.Evidence = ownBest
                ? FormattableString.Invariant($"kept the recipe's own settings: they had the lowest held-out loss, on {difference.Examples} examples (too few to cross-validate)")
                : FormattableString.Invariant($"kept the recipe's own settings: the best other candidate ({heldOutCandidate}) was not better beyond noise ({difference})");
            return own;
        }
        int confirmed = confirmation.Challenger ?? challenger;
        var candidate = record.Trials[confirmed].Candidate;
        bool convincing = Convincing(confirmation.Difference);
        string compared = confirmation.Finalists > 1 ? FormattableString.Invariant($" of {confirmation.Finalists} finishers") : "";
        string outOfFold = FormattableString.Invariant($"{confirmation.Difference} out of fold, {confirmation.Folds}-fold cross-validation{compared} on all the data");
        record.Evidence = convincing
            ? FormattableString.Invariant($"{candidate} beat the recipe's own settings beyond noise: {outOfFold} ({heldOut})")
            : FormattableString.Invariant($"kept the recipe's own settings: the best other candidate out of fold ({candidate}) was not better beyond noise: {outOfFold} ({heldOut})");
        return convincing ? confirmed : own;
    }

    static bool Convincing(SearchDifference difference) => difference.Examples >= SearchEvidence.MinimumExamples && difference.High < 0;

    /// <summary>The candidate with the recipe's own learning rate, epochs and rank.</summary>
    static int OwnIndex(IReadOnlyList<SearchCandidate> candidates, FineTuningOptions options)
    {
        var lora = options.Lora ?? new Lora.LoraConfig();
        for (int index = 0; index < candidates.Count; index++)
        {
            var candidate = candidates[index];
            if (candidate.Method is null && candidate.LearningRate == options.Training.LearningRate && candidate.Epochs == options.Training.Epochs &&
                (candidate.Rank ?? lora.Rank) == lora.Rank)
                return index;
        }
        throw new InvalidOperationException("the search space lacks the recipe's own settings");
    }

    /// <summary>The <paramref name="count"/> candidates of <paramref name="alive"/> with the lowest last loss (ties: the earlier), in index order.</summary>
    static List<int> Survivors(SearchRecord record, IReadOnlyList<int> alive, int count) =>
        alive.OrderBy(index => record.Trials[index].LastLoss).ThenBy(index => index).Take(count).Order().ToList();

    /// <summary>
    /// Trains one candidate to its rung: from its checkpoint (or the start) until the first evaluation at or after
    /// <paramref name="epochs"/> epochs, or its end. The rung is null when the caller's token cancelled it.
    /// </summary>
    static (SearchRung? Rung, FineTuningResult Run) Train(string baseModelDirectory, IReadOnlyList<string> dataFiles, string trialDirectory, FineTuningOptions trialOptions, int epochs,
        Action<TrainingEvent>? onEvent, CancellationToken cancellationToken, string? baseModelSource, SearchRecord record)
    {
        using var pause = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        int target = int.MaxValue;
        void Observe(TrainingEvent trainingEvent)
        {
            onEvent?.Invoke(trainingEvent);
            switch (trainingEvent)
            {
                case RunStarted started:
                    target = epochs >= trialOptions.Training.Epochs ? int.MaxValue : epochs * started.StepsPerEpoch;
                    if (record.RecipeSteps == 0) SetBudget(record, started.StepsPerEpoch);
                    // Resumed at or past the rung's end (stopped after its pause, before the record said so): go no further.
                    if (started.ResumedFromStep >= target) pause.Cancel();
                    break;
                case EvaluationCompleted evaluation when evaluation.Step >= target:
                    pause.Cancel();
                    break;
            }
        }
        var result = FineTuning.Run(baseModelDirectory, dataFiles, trialDirectory, trialOptions, Observe, pause.Token, baseModelSource);
        if (cancellationToken.IsCancellationRequested && result.Training.Cancelled) return (null, result);
        var best = result.Training.Best ?? throw new InvalidOperationException($"the search's trial in {trialDirectory} had no held-out evaluation");
        return (new SearchRung(epochs, result.Training.Steps, best.Loss, best.Step, Finished: !result.Training.Cancelled), result);
    }

    /// <summary>The budget in updates, once the data's updates per epoch are known (every candidate has the same).</summary>
    static void SetBudget(SearchRecord record, int stepsPerEpoch)
    {
        record.RecipeSteps = record.Trials[record.RecipeOwn].Candidate.Epochs * stepsPerEpoch;
        var epochs = record.Trials.Select(trial => trial.Candidate.Epochs).ToList();
        record.BudgetSteps = SearchBudget.Steps(epochs, record.RecipeOwn, stepsPerEpoch, RungFractions, Reduction)
            + SearchBudget.ConfirmationSteps(epochs, record.RecipeOwn, stepsPerEpoch, CrossValidation.Folds,
                SearchBudget.Finalists(epochs.Count, RungFractions.Length, Reduction));
    }

    static void DeleteCheckpoints(string trialDirectory)
    {
        var checkpoints = Path.Combine(trialDirectory, CheckpointStore.DirectoryName);
        if (Directory.Exists(checkpoints)) Directory.Delete(checkpoints, recursive: true);
        var bestWeights = Path.Combine(trialDirectory, Trainer.BestWeightsFileName);
        if (File.Exists(bestWeights)) File.Delete(bestWeights);
    }

    /// <summary>The chosen candidate's outputs become the run's: adapter, model, metrics, and run.json with the search in it.</summary>
    static FineTuningResult Adopt(string runDirectory, string trialDirectory, FineTuningResult chosen, SearchRecord record)
    {
        string? Copy(string? source, string name)
        {
            if (source is null) return null;
            var destination = Path.Combine(runDirectory, name);
            AtomicDirectory.Write(destination, directory => CopyDirectory(source, directory));
            return destination;
        }
        var adapter = Copy(chosen.AdapterDirectory, FineTuning.AdapterDirectoryName);
        var model = Copy(chosen.ModelDirectory, FineTuning.ModelDirectoryName);
        AtomicFile.WriteAllBytes(Path.Combine(runDirectory, MetricsLog.FileName), File.ReadAllBytes(Path.Combine(trialDirectory, MetricsLog.FileName)));
        var runRecord = JsonNode.Parse(File.ReadAllText(chosen.RecordPath))!.AsObject();
        runRecord["search"] = JsonNode.Parse(record.ToJson());
        var recordPath = Path.Combine(runDirectory, FineTuning.RecordFileName);
        AtomicFile.WriteAllText(recordPath, runRecord.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        return new FineTuningResult(chosen.Training, chosen.Data, adapter, model, recordPath, record);
    }

    static void CopyDirectory(string source, string destination)
    {
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(destination, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
