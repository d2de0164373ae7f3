using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Twinforge.Engine.Checkpoints;
using Twinforge.Engine.Data;
using Twinforge.Engine.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Twinforge.Engine.Training;

/// <summary>
/// Trains a model's trainable parameters (all of them for full fine-tuning or pre-training, only the adapters
/// after LoRA injection, whatever is not frozen otherwise) on packed data: AdamW with a warm-up schedule, gradient
/// accumulation and clipping, mixed precision, non-finite step detection, validation with early stopping and best
/// weight restoration, L2-SP, periodic atomic checkpoints and exact resume. Everything it does is published as
/// <see cref="TrainingEvent"/>s and written to <c>metrics.jsonl</c> in the run directory.
/// </summary>
/// <example><code>
/// var trainer = new Trainer(model, data, new TrainingOptions { Epochs = 3 }, "runs/alice-v1");
/// var result = trainer.Run(onEvent: e => Console.WriteLine(e));   // resumes if the directory has a checkpoint
/// </code></example>
public sealed class Trainer
{
    public const string BestWeightsFileName = "best.safetensors";

    readonly CausalLanguageModel model;
    readonly TrainingData data;
    readonly ReplayMixer? replay;

    /// <param name="model">The model, with adapters injected and layers frozen as wanted: it trains what requires grad.</param>
    /// <param name="options">Hyperparameters; validated here.</param>
    /// <param name="data">Validated, packed training and validation data.</param>
    /// <param name="runDirectory">Where checkpoints, the best weights and metrics.jsonl go.</param>
    /// <param name="replay">General-domain sequences mixed into every batch, against forgetting.</param>
    public Trainer(CausalLanguageModel model, TrainingData data, TrainingOptions options, string runDirectory, ReplayMixer? replay = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(runDirectory);
        options.Validate();
        data.ThrowIfInvalid();
        this.model = model;
        this.data = data;
        this.replay = replay;
        Options = options;
        RunDirectory = runDirectory;
    }

    public TrainingOptions Options { get; }

    public string RunDirectory { get; }

    /// <summary>
    /// Resolves <see cref="TrainingPrecision.Automatic"/> for a new run (this machine's measurement by default; tests
    /// give another). A resumed run uses the precision its checkpoint recorded instead.
    /// </summary>
    internal Func<TrainingPrecision, TrainingPrecision> ResolvePrecision { get; init; } = PrecisionChoice.OnThisMachine;

    /// <summary>The run's precision: the requested one, else the one its newest checkpoint recorded, else resolved now.</summary>
    TrainingPrecision PrecisionFor(string? latestCheckpoint)
    {
        if (Options.Precision != TrainingPrecision.Automatic) return Options.Precision;
        if (latestCheckpoint is not null && TrainerState.Load(Path.Combine(latestCheckpoint, TrainerState.FileName)).Precision is { } recorded)
            return recorded;
        return ResolvePrecision(Options.Precision);
    }

    /// <summary>
    /// Runs to the end, to early stopping or to cancellation. With <paramref name="resume"/> a run directory holding
    /// a checkpoint of this same run (same options, data and trainable parameters) continues from its newest
    /// checkpoint exactly as if it had never stopped; a checkpoint of another run is an error, never overwritten.
    /// </summary>
    /// <param name="onEvent">Called on the training thread with every event, after it is written to metrics.jsonl.</param>
    /// <param name="resume">Continue from the run directory's newest checkpoint if there is one; false refuses a directory with checkpoints.</param>
    /// <param name="cancellationToken">Cancellation stops after the current update and writes a checkpoint to resume from.</param>
    public TrainingResult Run(Action<TrainingEvent>? onEvent = null, bool resume = true, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(RunDirectory);
        var store = new CheckpointStore(RunDirectory, Options.KeepLastCheckpoints);
        var latest = store.Latest;
        if (latest is not null && !resume)
            throw new InvalidOperationException($"{RunDirectory} already holds checkpoints of a run: resume it or choose another run directory");
        var previousCompute = model.ComputeDType;
        var wasTraining = model.training;
        RunContext? run = null;
        try
        {
            run = new RunContext(this, Options with { Precision = PrecisionFor(latest) });
            var resumedState = latest is null ? null : run.Restore(latest);
            var compute = PrecisionChoice.ComputeDType(run.Precision);
            model.ComputeDType = compute == model.DType ? null : compute;
            // Only trainable parameters change during the run, so frozen ones (a LoRA base) are cast to the compute dtype once.
            using var frozenCopies = model.CacheFrozenComputeCopies();
            if (Options.Dropout is double dropout) model.SetDropout(dropout);
            using var metrics = resumedState is null ? MetricsLog.Create(RunDirectory) : MetricsLog.Resume(RunDirectory, resumedState.Progress.Step);
            return run.Execute(store, resumedState, trainingEvent =>
            {
                metrics.Write(trainingEvent);
                onEvent?.Invoke(trainingEvent);
            }, cancellationToken);
        }
        finally
        {
            model.ComputeDType = previousCompute;
            model.train(wasTraining);
            run?.Dispose();
        }
    }

    /// <summary>
    /// The state of one call to <see cref="Run"/>: the training step (which owns the optimizer), the data iterator,
    /// schedule, early stopping, and the run's <see cref="RunProgress"/>, replaced after each update and evaluation.
    /// </summary>
    sealed class RunContext : IDisposable
    {
        readonly Trainer trainer;
        readonly TrainingOptions options;
        readonly CausalLanguageModel model;
        readonly List<(string Name, Parameter Parameter)> trainable;
        readonly TrainingStep step;
        readonly BatchIterator iterator;
        readonly LearningRateSchedule schedule;
        readonly EarlyStopping tracker;
        readonly RunIdentity identity;
        readonly string fingerprint;
        readonly PackedDataset validation;
        RunProgress progress = new();

        /// <param name="options">The trainer's options with the precision resolved.</param>
        public RunContext(Trainer trainer, TrainingOptions options)
        {
            this.trainer = trainer;
            this.options = options;
            model = trainer.model;
            trainable = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => (p.name, p.parameter)).ToList();
            if (trainable.Count == 0)
                throw new InvalidOperationException("the model has no trainable parameters: every parameter is frozen");
            step = new TrainingStep(model, trainable, options);
            iterator = trainer.data.TrainBatches(options.BatchSize, trainer.replay);
            validation = trainer.data.Validation!;
            StepsPerEpoch = (iterator.BatchesPerEpoch + options.GradientAccumulationSteps - 1) / options.GradientAccumulationSteps;
            TotalSteps = options.MaxSteps
                         ?? (int)Math.Ceiling(options.Epochs * (double)iterator.BatchesPerEpoch / options.GradientAccumulationSteps);
            int warmup = options.WarmupSteps ?? Math.Max(1, (int)Math.Round(0.05 * TotalSteps));
            schedule = new LearningRateSchedule(options.LearningRate, warmup, TotalSteps, options.Schedule, options.MinimumLearningRateRatio);
            tracker = new EarlyStopping(options.EarlyStoppingPatience ?? int.MaxValue, options.EarlyStoppingMinimumImprovement);
            identity = Identify();
            fingerprint = identity.Fingerprint;
        }

        public TrainingPrecision Precision => options.Precision;

        int StepsPerEpoch { get; }
        int TotalSteps { get; }
        bool HasValidation => validation.Count > 0;
        string BestWeightsPath => Path.Combine(trainer.RunDirectory, BestWeightsFileName);

        /// <summary>Loads a checkpoint into the model, optimizer, iterator, generator, early stopping and progress; returns its state.</summary>
        public TrainerState Restore(string checkpointDirectory)
        {
            var statePath = Path.Combine(checkpointDirectory, TrainerState.FileName);
            var state = TrainerState.Load(statePath);
            if (state.RunFingerprint != fingerprint) throw new CheckpointMismatchException(checkpointDirectory, identity.DifferencesFrom(state));
            ReadInto(Path.Combine(checkpointDirectory, CheckpointStore.WeightsFileName), trainable);
            var optimizerPath = Path.Combine(checkpointDirectory, CheckpointStore.OptimizerFileName);
            using (var file = SafetensorsFile.Open(optimizerPath))
            using (no_grad())
            {
                step.Optimizer.RestoreState(state.Progress.Step - state.Progress.SkippedSteps, (name, destination) =>
                {
                    if (!file.Contains(name)) return false;
                    file.ReadInto(name, destination);
                    return true;
                });
            }
            iterator.Seek(state.Position);
            model.Randomness.RestoreState(state.RandomState);
            tracker.Restore(state.EarlyStopping);
            progress = state.Progress;
            return state;
        }

        /// <summary>A checkpoint's state: the progress as it stands and the state of the parts that keep their own.</summary>
        TrainerState CurrentState(bool finished) => new()
        {
            RunFingerprint = fingerprint,
            RunOptions = identity.Options,
            RunParameters = identity.Parameters,
            RunData = identity.Data,
            TotalSteps = TotalSteps,
            Precision = Precision,
            Finished = finished,
            Progress = progress,
            Position = iterator.Position,
            RandomState = model.Randomness.SaveState(),
            EarlyStopping = tracker.State,
        };

        public TrainingResult Execute(CheckpointStore store, TrainerState? resumedState, Action<TrainingEvent> publish, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            bool cancelled = false;
            if (resumedState is null) model.Randomness.Seed(options.Seed); // the model's own generator drives dropout
            bool alreadyFinished = resumedState?.Finished == true;
            if (!alreadyFinished)
            {
                publish(new RunStarted(progress.Step, TotalSteps, StepsPerEpoch, trainable.Sum(p => p.Parameter.numel()), model.ParameterCount,
                    Precision == TrainingPrecision.BFloat16Mixed ? "bf16-mixed" : "fp32",
                    trainer.data.Train!.Count, validation.Count, resumedState?.Progress.Step, Precision));
                if (!HasValidation && resumedState is null)
                    publish(new TrainingWarning(progress.Step, "there is no validation set: overfitting cannot be measured, and early stopping and best-weight restoration are off"));
                // Examples left out or cut for their length are said at the start, in the output and the report alike.
                if (resumedState is null)
                    foreach (var notice in trainer.data.Report.RunNotices()) publish(new TrainingWarning(progress.Step, notice));
                // A warm-up longer than the run never reaches the peak: the run trains at a fraction of the rate asked for.
                if (resumedState is null && schedule.WarmupSteps > TotalSteps)
                    publish(new TrainingWarning(progress.Step, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                        $"the warm-up ({schedule.WarmupSteps} steps) is longer than the run ({TotalSteps}): the learning rate never reaches its peak " +
                        $"{options.LearningRate:G3} (it ends at {schedule.At(TotalSteps - 1):G3}); set training.warmup_steps to at most {TotalSteps}")));
                model.train();
                while (progress.Step < TotalSteps && !progress.StoppedEarly)
                {
                    if (cancellationToken.IsCancellationRequested)
                    {
                        cancelled = true;
                        break;
                    }
                    int epochBefore = iterator.Position.Epoch;
                    TrainStep(publish);
                    bool epochEnded = iterator.Position.Epoch > epochBefore;
                    bool last = progress.Step == TotalSteps;
                    bool interval = options.EvaluateEverySteps > 0 && progress.Step % options.EvaluateEverySteps == 0;
                    if (HasValidation && (interval || epochEnded || last))
                        Evaluate(interval ? "interval" : epochEnded ? "epoch_end" : "final", publish);
                    if (options.CheckpointEverySteps > 0 && progress.Step % options.CheckpointEverySteps == 0 && !last && !progress.StoppedEarly)
                        SaveCheckpoint(store, finished: false, publish);
                }
                SaveCheckpoint(store, finished: !cancelled, publish);
            }

            bool restoredBest = false;
            if (options.RestoreBestWeights && tracker.BestStep >= 0 && tracker.BestStep != progress.Step && !cancelled)
            {
                RestoreBest();
                restoredBest = true;
            }
            var evaluations = progress.Evaluations;
            var overfitting = OverfittingReport.From(evaluations, progress.StoppedEarly);
            publish(new RunFinished(progress.Step, progress.StoppedEarly, tracker.BestStep >= 0 ? tracker.BestStep : null,
                tracker.BestStep >= 0 ? tracker.BestLoss : null, restoredBest, overfitting.GapWideningStep, progress.SkippedSteps,
                clock.Elapsed.TotalSeconds));
            var best = tracker.BestStep >= 0 ? evaluations.LastOrDefault(e => e.Step == tracker.BestStep) : null;
            double finalTrainLoss = evaluations.Count > 0 ? evaluations[^1].TrainLoss
                : progress.TrainLosses.LastOrDefault(double.IsFinite, double.NaN);
            return new TrainingResult(progress.Step, TotalSteps, EpochsDone(), progress.TokensSeen, finalTrainLoss, best?.Step, best, restoredBest,
                progress.StoppedEarly, cancelled, progress.SkippedSteps, overfitting, progress.TrainLosses, evaluations, clock.Elapsed, Precision);
        }

        double EpochsDone() => iterator.Position.Epoch + iterator.Position.Index / (double)iterator.BatchesPerEpoch;

        /// <summary>One optimizer update over <see cref="TrainingOptions.GradientAccumulationSteps"/> batches, and its event.</summary>
        void TrainStep(Action<TrainingEvent> publish)
        {
            var started = Stopwatch.GetTimestamp();
            int epoch = iterator.Position.Epoch;
            var batches = Enumerable.Range(0, options.GradientAccumulationSteps).Select(_ => iterator.Next()).ToList();
            StepOutcome outcome;
            try
            {
                outcome = step.Take(batches, schedule.At(progress.Step));
            }
            finally
            {
                foreach (var batch in batches) batch.Dispose();
            }
            progress = progress.After(outcome);
            switch (outcome.Kind)
            {
                case StepKind.NoTargets:
                    publish(new StepSkipped(progress.Step, epoch, outcome.Reason + ": the update was skipped", outcome.Loss, outcome.GradientNorm,
                        progress.ConsecutiveNonFiniteSteps));
                    break;
                case StepKind.NonFinite:
                    publish(new StepSkipped(progress.Step, epoch, outcome.Reason + ": the update was skipped and the weights are unchanged", outcome.Loss,
                        outcome.GradientNorm, progress.ConsecutiveNonFiniteSteps));
                    if (progress.ConsecutiveNonFiniteSteps >= options.MaxConsecutiveNonFiniteSteps)
                        throw new TrainingDivergedException(progress.Step, progress.ConsecutiveNonFiniteSteps);
                    break;
                default:
                    double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                    publish(new StepCompleted(progress.Step, epoch, EpochsDone(), outcome.Loss, outcome.LearningRate, outcome.GradientNorm,
                        outcome.Clipped, outcome.Penalty, outcome.Tokens, seconds > 0 ? outcome.Tokens / seconds : 0));
                    break;
            }
        }

        void Evaluate(string trigger, Action<TrainingEvent> publish)
        {
            var result = Evaluation.Run(model, validation, options.BatchSize);
            double trainLoss = progress.RecentTrainLoss;
            bool isBest = tracker.Observe(progress.Step, result.Loss);
            if (isBest) SaveBest();
            var evaluation = new EvaluationCompleted(progress.Step, iterator.Position.Epoch, trigger, result.Loss, result.Perplexity,
                result.TokenAccuracy, result.Targets, trainLoss, result.Loss - trainLoss, isBest);
            bool stop = options.EarlyStoppingPatience is not null && tracker.ShouldStop;
            progress = progress.After(evaluation, stop);
            publish(evaluation);
            if (stop) publish(new StoppedEarly(progress.Step, tracker.BestStep, tracker.BestLoss, options.EarlyStoppingPatience!.Value));
        }

        IEnumerable<KeyValuePair<string, Tensor>> TrainableTensors() =>
            trainable.Select(p => new KeyValuePair<string, Tensor>(p.Name, p.Parameter));

        void SaveBest() => SafetensorsWriter.Write(BestWeightsPath, TrainableTensors(),
            new Dictionary<string, string> { ["step"] = progress.Step.ToString(CultureInfo.InvariantCulture), ["run"] = fingerprint });

        void RestoreBest()
        {
            using (var file = SafetensorsFile.Open(BestWeightsPath))
            {
                var saved = file.Metadata.GetValueOrDefault("step");
                if (saved != tracker.BestStep.ToString(CultureInfo.InvariantCulture) || file.Metadata.GetValueOrDefault("run") != fingerprint)
                    throw new InputFileException(BestWeightsPath, $"holds the weights of step {saved ?? "?"}, not of the best evaluation (step {tracker.BestStep}) of this run", "step");
            }
            ReadInto(BestWeightsPath, trainable);
        }

        void ReadInto(string path, IEnumerable<(string Name, Parameter Parameter)> parameters)
        {
            using var file = SafetensorsFile.Open(path);
            using var noGrad = no_grad();
            try
            {
                foreach (var (name, parameter) in parameters)
                {
                    if (!file.Contains(name)) throw new InputFileException(path, "the tensor is missing", name);
                    file.ReadInto(name, parameter);
                }
            }
            finally
            {
                model.MarkWeightsChanged();
            }
        }

        void SaveCheckpoint(CheckpointStore store, bool finished, Action<TrainingEvent> publish)
        {
            var directory = store.Save(CurrentState(finished), TrainableTensors(), step.Optimizer.StateTensors());
            publish(new CheckpointSaved(progress.Step, directory));
        }

        /// <summary>
        /// The run's identity: one hash of everything that determines its trajectory — the options (except checkpoint
        /// cadence and retention and activation checkpointing, which may change between sessions: a run short of memory
        /// can resume with checkpointing on), the planned length, the trainable parameters, the data — fed exactly as it
        /// always was (so older checkpoints still resume), and the parameters' and data's own hashes beside it.
        /// </summary>
        RunIdentity Identify()
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var parameters = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var data = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            void Add(IncrementalHash part, string text)
            {
                var bytes = Encoding.UTF8.GetBytes(text + "\n");
                hash.AppendData(bytes);
                part.AppendData(bytes);
            }
            void AddBytes(IncrementalHash part, ReadOnlySpan<byte> bytes)
            {
                hash.AppendData(bytes);
                part.AppendData(bytes);
            }
            var optionsJson = JsonSerializer.Serialize(options with { CheckpointEverySteps = 0, KeepLastCheckpoints = 1, ActivationCheckpointing = false }, MetricsLog.SerializerOptions);
            hash.AppendData(Encoding.UTF8.GetBytes(optionsJson + "\n"));
            hash.AppendData(Encoding.UTF8.GetBytes($"steps {TotalSteps} compute {PrecisionChoice.ComputeDType(Precision)}\n"));
            foreach (var (name, parameter) in trainable) Add(parameters, $"{name} {string.Join('x', parameter.shape)} {parameter.dtype}");
            foreach (var (name, projection) in model.AdaptedProjections())
                Add(parameters, FormattableString.Invariant($"adapter {name} scaling {projection.Adapter!.Scaling} dropout {projection.Adapter.Dropout}"));
            Add(data, FormattableString.Invariant($"dropout {model.Config.EmbeddingDropout} {model.Config.AttentionDropout} {model.Config.ResidualDropout} data seed {trainer.data.Options.Seed}"));
            foreach (var dataset in new[] { trainer.data.Train!, validation }.Concat(trainer.replay is { } r ? [r.Data] : []))
            {
                Add(data, $"data {dataset.Count} {dataset.SequenceLength} {dataset.UsesDocumentMask}");
                foreach (var sequence in dataset.Sequences)
                {
                    AddBytes(data, System.Runtime.InteropServices.MemoryMarshal.AsBytes(sequence.InputIds.ToArray().AsSpan()));
                    AddBytes(data, System.Runtime.InteropServices.MemoryMarshal.AsBytes(sequence.Labels.ToArray().AsSpan()));
                }
            }
            Add(data, $"replay {trainer.replay?.Fraction}");
            return new RunIdentity(Convert.ToHexStringLower(hash.GetHashAndReset()), optionsJson,
                Convert.ToHexStringLower(parameters.GetHashAndReset()), Convert.ToHexStringLower(data.GetHashAndReset()));
        }

        public void Dispose() => step.Dispose();
    }
}
