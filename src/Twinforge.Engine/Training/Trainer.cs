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
            using var metrics = resumedState is null ? MetricsLog.Create(RunDirectory) : MetricsLog.Resume(RunDirectory, resumedState.Step);
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

    /// <summary>The state of one call to <see cref="Run"/>: the optimizer, counters, iterator and histories.</summary>
    sealed class RunContext : IDisposable
    {
        readonly Trainer trainer;
        readonly TrainingOptions options;
        readonly CausalLanguageModel model;
        readonly List<(string Name, Parameter Parameter)> trainable;
        readonly AdamW optimizer;
        readonly L2SpPenalty? l2Sp;
        readonly BatchIterator iterator;
        readonly LearningRateSchedule schedule;
        readonly EarlyStopping tracker;
        readonly string fingerprint;
        readonly List<double> trainLosses = [];
        readonly List<EvaluationCompleted> evaluations = [];
        readonly PackedDataset validation;
        int step;
        long tokensSeen;
        int consecutiveNonFinite;
        int skippedSteps;
        double lossSinceEvaluation;
        int stepsSinceEvaluation;
        bool stoppedEarly;

        /// <param name="options">The trainer's options with the precision resolved.</param>
        public RunContext(Trainer trainer, TrainingOptions options)
        {
            this.trainer = trainer;
            this.options = options;
            model = trainer.model;
            trainable = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => (p.name, p.parameter)).ToList();
            if (trainable.Count == 0)
                throw new InvalidOperationException("the model has no trainable parameters: every parameter is frozen");
            optimizer = new AdamW(trainable.Select(p => new OptimizedParameter(p.Name, p.Parameter, Decay: !IsExemptFromDecay(p.Name, p.Parameter))),
                options.WeightDecay, options.AdamBeta1, options.AdamBeta2, options.AdamEpsilon);
            l2Sp = options.L2SpStrength > 0 ? CreateL2Sp(model, trainable, options.L2SpStrength) : null;
            iterator = trainer.data.TrainBatches(options.BatchSize, trainer.replay);
            validation = trainer.data.Validation!;
            StepsPerEpoch = (iterator.BatchesPerEpoch + options.GradientAccumulationSteps - 1) / options.GradientAccumulationSteps;
            TotalSteps = options.MaxSteps
                         ?? (int)Math.Ceiling(options.Epochs * (double)iterator.BatchesPerEpoch / options.GradientAccumulationSteps);
            int warmup = options.WarmupSteps ?? Math.Max(1, (int)Math.Round(0.05 * TotalSteps));
            schedule = new LearningRateSchedule(options.LearningRate, warmup, TotalSteps, options.Schedule, options.MinimumLearningRateRatio);
            tracker = new EarlyStopping(options.EarlyStoppingPatience ?? int.MaxValue, options.EarlyStoppingMinimumImprovement);
            fingerprint = Fingerprint();
        }

        public TrainingPrecision Precision => options.Precision;

        int StepsPerEpoch { get; }
        int TotalSteps { get; }
        bool HasValidation => validation.Count > 0;
        string BestWeightsPath => Path.Combine(trainer.RunDirectory, BestWeightsFileName);

        /// <summary>Norms, biases and other vectors are not decayed (decay would only shrink scales and offsets).</summary>
        bool IsExemptFromDecay(string name, Parameter parameter) =>
            parameter.dim() < 2 || name.EndsWith(".bias", StringComparison.Ordinal) || model.IsNormParameter(name);

        static L2SpPenalty CreateL2Sp(CausalLanguageModel model, List<(string Name, Parameter Parameter)> trainable, double strength)
        {
            var adapters = model.AdaptedProjections().ToList();
            var adapterParameters = adapters.SelectMany(a => a.Projection.Adapter!.parameters()).ToHashSet(ReferenceEqualityComparer.Instance);
            return new L2SpPenalty(strength,
                trainable.Where(p => !adapterParameters.Contains(p.Parameter)).Select(p => p.Parameter),
                adapters.Select(a => (Func<Tensor>)a.Projection.Adapter!.DeltaWeight));
        }

        /// <summary>Loads a checkpoint into the model, optimizer, iterator and counters; returns its state.</summary>
        public TrainerState Restore(string checkpointDirectory)
        {
            var statePath = Path.Combine(checkpointDirectory, TrainerState.FileName);
            var state = TrainerState.Load(statePath);
            if (state.RunFingerprint != fingerprint) throw new CheckpointMismatchException(checkpointDirectory);
            ReadInto(Path.Combine(checkpointDirectory, CheckpointStore.WeightsFileName), trainable);
            var optimizerPath = Path.Combine(checkpointDirectory, CheckpointStore.OptimizerFileName);
            using (var file = SafetensorsFile.Open(optimizerPath))
            using (no_grad())
            {
                optimizer.RestoreState(state.Step - state.SkippedSteps, (name, destination) =>
                {
                    if (!file.Contains(name)) return false;
                    file.ReadInto(name, destination);
                    return true;
                });
            }
            iterator.Seek(state.Position);
            model.Randomness.RestoreState(state.RandomState);
            tracker.Restore(state.EarlyStopping);
            step = state.Step;
            tokensSeen = state.TokensSeen;
            consecutiveNonFinite = state.ConsecutiveNonFiniteSteps;
            skippedSteps = state.SkippedSteps;
            lossSinceEvaluation = state.TrainLossSinceEvaluation;
            stepsSinceEvaluation = state.StepsSinceEvaluation;
            stoppedEarly = state.StoppedEarly;
            trainLosses.AddRange(state.TrainLosses);
            evaluations.AddRange(state.Evaluations);
            return state;
        }

        public TrainingResult Execute(CheckpointStore store, TrainerState? resumedState, Action<TrainingEvent> publish, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            bool cancelled = false;
            if (resumedState is null) model.Randomness.Seed(options.Seed); // the model's own generator drives dropout
            bool alreadyFinished = resumedState?.Finished == true;
            if (!alreadyFinished)
            {
                publish(new RunStarted(step, TotalSteps, StepsPerEpoch, trainable.Sum(p => p.Parameter.numel()), model.ParameterCount,
                    Precision == TrainingPrecision.BFloat16Mixed ? "bf16-mixed" : "fp32",
                    trainer.data.Train!.Count, validation.Count, resumedState?.Step, Precision));
                if (!HasValidation && resumedState is null)
                    publish(new TrainingWarning(step, "there is no validation set: overfitting cannot be measured, and early stopping and best-weight restoration are off"));
                // Examples left out or cut for their length are said at the start, in the output and the report alike.
                if (resumedState is null)
                    foreach (var notice in trainer.data.Report.DataLossNotices()) publish(new TrainingWarning(step, notice));
                model.train();
                while (step < TotalSteps && !stoppedEarly)
                {
                    if (cancellationToken.IsCancellationRequested)
                    {
                        cancelled = true;
                        break;
                    }
                    int epochBefore = iterator.Position.Epoch;
                    TrainStep(publish);
                    bool epochEnded = iterator.Position.Epoch > epochBefore;
                    bool last = step == TotalSteps;
                    bool interval = options.EvaluateEverySteps > 0 && step % options.EvaluateEverySteps == 0;
                    if (HasValidation && (interval || epochEnded || last))
                        Evaluate(interval ? "interval" : epochEnded ? "epoch_end" : "final", publish);
                    if (options.CheckpointEverySteps > 0 && step % options.CheckpointEverySteps == 0 && !last && !stoppedEarly)
                        SaveCheckpoint(store, finished: false, publish);
                }
                SaveCheckpoint(store, finished: !cancelled, publish);
            }

            bool restoredBest = false;
            if (options.RestoreBestWeights && tracker.BestStep >= 0 && tracker.BestStep != step && !cancelled)
            {
                RestoreBest();
                restoredBest = true;
            }
            var overfitting = OverfittingReport.From(evaluations, stoppedEarly);
            publish(new RunFinished(step, stoppedEarly, tracker.BestStep >= 0 ? tracker.BestStep : null,
                tracker.BestStep >= 0 ? tracker.BestLoss : null, restoredBest, overfitting.GapWideningStep, skippedSteps,
                clock.Elapsed.TotalSeconds));
            var best = tracker.BestStep >= 0 ? evaluations.LastOrDefault(e => e.Step == tracker.BestStep) : null;
            double finalTrainLoss = evaluations.Count > 0 ? evaluations[^1].TrainLoss
                : trainLosses.LastOrDefault(double.IsFinite, double.NaN);
            return new TrainingResult(step, TotalSteps, EpochsDone(), tokensSeen, finalTrainLoss, best?.Step, best, restoredBest,
                stoppedEarly, cancelled, skippedSteps, overfitting, trainLosses.ToList(), evaluations.ToList(), clock.Elapsed, Precision);
        }

        double EpochsDone() => iterator.Position.Epoch + iterator.Position.Index / (double)iterator.BatchesPerEpoch;

        /// <summary>One optimizer update over <see cref="TrainingOptions.GradientAccumulationSteps"/> batches.</summary>
        void TrainStep(Action<TrainingEvent> publish)
        {
            var started = Stopwatch.GetTimestamp();
            int epoch = iterator.Position.Epoch;
            var batches = Enumerable.Range(0, options.GradientAccumulationSteps).Select(_ => iterator.Next()).ToList();
            long tokens = 0;
            // The summed loss and the penalty stay on the device (float64) until the step's one host read.
            Tensor? summedLoss = null, penaltyTerm = null;
            try
            {
                // The window's loss is the mean over all its target tokens, so each batch's summed loss is divided by
                // the window's total: accumulation then gives exactly the gradient of one large batch.
                long windowTargets = batches.Sum(b => b.TrainableTargets);
                foreach (var batch in batches)
                {
                    using var scope = NewDisposeScope();
                    tokens += batch.InputIds.numel();
                    if (batch.TrainableTargets == 0) continue;
                    // The head and loss run in chunks of positions, so a long batch never holds all its logits at once.
                    var summed = LanguageModelLoss.Backward(model, batch, scale: 1.0 / windowTargets,
                        rowsPerChunk: options.ActivationCheckpointing ? LanguageModelLoss.CheckpointedRowsPerChunk : LanguageModelLoss.DefaultRowsPerChunk,
                        checkpointActivations: options.ActivationCheckpointing);
                    if (summedLoss is null) summedLoss = summed.DetachFromDisposeScope();
                    else summedLoss.add_(summed);
                }
                if (l2Sp is not null)
                {
                    using var scope = NewDisposeScope();
                    var term = l2Sp.Compute();
                    term.backward();
                    penaltyTerm = term.detach().to(ScalarType.Float64).clone().DetachFromDisposeScope();
                }
                var (lossSum, penalty, gradientNorm) = ReadStepFigures(summedLoss, penaltyTerm);
                double loss = windowTargets > 0 ? lossSum / windowTargets : double.NaN;
                double learningRate = schedule.At(step);
                tokensSeen += tokens;
                step++;
                if (windowTargets == 0)
                {
                    // Nothing to learn from (every label ignored): a data matter, not divergence, so it is not counted as one.
                    optimizer.ZeroGradients();
                    skippedSteps++;
                    trainLosses.Add(double.NaN);
                    publish(new StepSkipped(step, epoch, "the batches had no target tokens: the update was skipped", loss, gradientNorm, consecutiveNonFinite));
                    return;
                }
                if (!double.IsFinite(loss) || !double.IsFinite(gradientNorm) || !double.IsFinite(penalty))
                {
                    optimizer.ZeroGradients();
                    consecutiveNonFinite++;
                    skippedSteps++;
                    trainLosses.Add(double.NaN);
                    string reason = !double.IsFinite(loss) ? "the loss is not finite" : !double.IsFinite(penalty) ? "the L2-SP penalty is not finite"
                        : "the gradient norm is not finite";
                    publish(new StepSkipped(step, epoch, reason + ": the update was skipped and the weights are unchanged", loss, gradientNorm, consecutiveNonFinite));
                    if (consecutiveNonFinite >= options.MaxConsecutiveNonFiniteSteps)
                        throw new TrainingDivergedException(step, consecutiveNonFinite);
                    return;
                }
                bool clipped = options.MaxGradientNorm > 0 && gradientNorm > options.MaxGradientNorm;
                // Clipping is folded into the update, and the gradients are zeroed in the same pass over memory.
                optimizer.Step(learningRate, gradientScale: clipped ? options.MaxGradientNorm / (gradientNorm + 1e-6) : 1.0, zeroGradients: true);
                model.MarkWeightsChanged();
                consecutiveNonFinite = 0;
                trainLosses.Add(loss);
                lossSinceEvaluation += loss;
                stepsSinceEvaluation++;
                double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                publish(new StepCompleted(step, epoch, EpochsDone(), loss, learningRate, gradientNorm, clipped, penalty, tokens,
                    seconds > 0 ? tokens / seconds : 0));
            }
            finally
            {
                foreach (var batch in batches) batch.Dispose();
                summedLoss?.Dispose();
                penaltyTerm?.Dispose();
            }
        }

        /// <summary>
        /// The summed loss, the penalty and the global gradient norm (see <see cref="GradientNorm.Of"/>) in one read
        /// from the device: the host needs them for the log, the non-finite check and the clipping decision.
        /// </summary>
        (double SummedLoss, double Penalty, double GradientNorm) ReadStepFigures(Tensor? summedLoss, Tensor? penalty)
        {
            using var scope = NewDisposeScope();
            var norm = GradientNorm.OnDevice(trainable.Select(p => p.Parameter.grad).OfType<Tensor>());
            var none = zeros([], ScalarType.Float64, norm.device);
            var figures = stack([summedLoss ?? none, penalty ?? none, norm]).cpu().data<double>().ToArray();
            return (figures[0], figures[1], figures[2]);
        }

        void Evaluate(string trigger, Action<TrainingEvent> publish)
        {
            var result = Evaluation.Run(model, validation, options.BatchSize);
            double trainLoss = stepsSinceEvaluation > 0 ? lossSinceEvaluation / stepsSinceEvaluation
                : trainLosses.LastOrDefault(double.IsFinite, double.NaN);
            bool isBest = tracker.Observe(step, result.Loss);
            if (isBest) SaveBest();
            var evaluation = new EvaluationCompleted(step, iterator.Position.Epoch, trigger, result.Loss, result.Perplexity,
                result.TokenAccuracy, result.Targets, trainLoss, result.Loss - trainLoss, isBest);
            evaluations.Add(evaluation);
            publish(evaluation);
            lossSinceEvaluation = 0;
            stepsSinceEvaluation = 0;
            if (options.EarlyStoppingPatience is int patience && tracker.ShouldStop)
            {
                stoppedEarly = true;
                publish(new StoppedEarly(step, tracker.BestStep, tracker.BestLoss, patience));
            }
        }

        IEnumerable<KeyValuePair<string, Tensor>> TrainableTensors() =>
            trainable.Select(p => new KeyValuePair<string, Tensor>(p.Name, p.Parameter));

        void SaveBest() => SafetensorsWriter.Write(BestWeightsPath, TrainableTensors(),
            new Dictionary<string, string> { ["step"] = step.ToString(CultureInfo.InvariantCulture), ["run"] = fingerprint });

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
            var state = new TrainerState
            {
                RunFingerprint = fingerprint,
                Step = step,
                TotalSteps = TotalSteps,
                Position = iterator.Position,
                TokensSeen = tokensSeen,
                RandomState = model.Randomness.SaveState(),
                Precision = Precision,
                EarlyStopping = tracker.State,
                ConsecutiveNonFiniteSteps = consecutiveNonFinite,
                SkippedSteps = skippedSteps,
                TrainLossSinceEvaluation = lossSinceEvaluation,
                StepsSinceEvaluation = stepsSinceEvaluation,
                TrainLosses = trainLosses.ToList(),
                Evaluations = evaluations.ToList(),
                Finished = finished,
                StoppedEarly = stoppedEarly,
            };
            var directory = store.Save(state, TrainableTensors(), optimizer.StateTensors());
            publish(new CheckpointSaved(step, directory));
        }

        /// <summary>
        /// A hash of everything that determines the run's trajectory: the options (except checkpoint cadence and
        /// retention and activation checkpointing, which may change between sessions: a run short of memory can resume
        /// with checkpointing on), the planned length, the trainable parameters, the data.
        /// </summary>
        string Fingerprint()
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            void Add(string text) => hash.AppendData(Encoding.UTF8.GetBytes(text + "\n"));
            Add(JsonSerializer.Serialize(options with { CheckpointEverySteps = 0, KeepLastCheckpoints = 1, ActivationCheckpointing = false }, MetricsLog.SerializerOptions));
            Add($"steps {TotalSteps} compute {PrecisionChoice.ComputeDType(Precision)}");
            foreach (var (name, parameter) in trainable) Add($"{name} {string.Join('x', parameter.shape)} {parameter.dtype}");
            foreach (var (name, projection) in model.AdaptedProjections())
                Add(FormattableString.Invariant($"adapter {name} scaling {projection.Adapter!.Scaling} dropout {projection.Adapter.Dropout}"));
            Add(FormattableString.Invariant($"dropout {model.Config.EmbeddingDropout} {model.Config.AttentionDropout} {model.Config.ResidualDropout} data seed {trainer.data.Options.Seed}"));
            foreach (var dataset in new[] { trainer.data.Train!, validation }.Concat(trainer.replay is { } r ? [r.Data] : []))
            {
                Add($"data {dataset.Count} {dataset.SequenceLength} {dataset.UsesDocumentMask}");
                foreach (var sequence in dataset.Sequences)
                {
                    hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(sequence.InputIds.ToArray().AsSpan()));
                    hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(sequence.Labels.ToArray().AsSpan()));
                }
            }
            Add($"replay {trainer.replay?.Fraction}");
            return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
        }

        public void Dispose()
        {
            optimizer.Dispose();
            l2Sp?.Dispose();
        }
    }
}
