using System.Text.Json.Serialization;

namespace Twinforge.Engine.Training;

/// <summary>
/// What a training run reports as it goes: the CLI draws progress from these, the service streams them, and
/// every one is a line of the run's <c>metrics.jsonl</c>. <see cref="Step"/> is the number of optimizer updates
/// done when the event happened.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "event")]
[JsonDerivedType(typeof(RunStarted), "run_started")]
[JsonDerivedType(typeof(StepCompleted), "step")]
[JsonDerivedType(typeof(StepSkipped), "step_skipped")]
[JsonDerivedType(typeof(EvaluationCompleted), "evaluation")]
[JsonDerivedType(typeof(CheckpointSaved), "checkpoint_saved")]
[JsonDerivedType(typeof(StoppedEarly), "stopped_early")]
[JsonDerivedType(typeof(TrainingWarning), "warning")]
[JsonDerivedType(typeof(RunFinished), "run_finished")]
[JsonDerivedType(typeof(SearchTrialCompleted), "search_trial")]
public abstract record TrainingEvent(int Step);

/// <summary>The run began (or resumed from <see cref="ResumedFromStep"/>).</summary>
/// <param name="Step">Updates done so far (0 for a new run).</param>
/// <param name="TotalSteps">Updates planned.</param>
/// <param name="StepsPerEpoch">Updates per pass over the training data.</param>
/// <param name="TrainableParameters">Parameters the run updates.</param>
/// <param name="TotalParameters">All of the model's parameters.</param>
/// <param name="Precision">"bf16-mixed" or "fp32", for people.</param>
/// <param name="TrainSequences">Packed training sequences.</param>
/// <param name="ValidationSequences">Packed held-out sequences.</param>
/// <param name="ResumedFromStep">The checkpoint's step when resuming, else null.</param>
/// <param name="ResolvedPrecision">The precision the run trains in (automatic resolved once, when the run began).</param>
public sealed record RunStarted(int Step, int TotalSteps, int StepsPerEpoch, long TrainableParameters, long TotalParameters,
    string Precision, int TrainSequences, int ValidationSequences, int? ResumedFromStep,
    TrainingPrecision? ResolvedPrecision = null) : TrainingEvent(Step);

/// <summary>One optimizer update. <see cref="Loss"/> is the mean loss per target token of the update's batches.</summary>
public sealed record StepCompleted(int Step, int Epoch, double EpochProgress, double Loss, double LearningRate,
    double GradientNorm, bool Clipped, double L2SpPenalty, long Tokens, double TokensPerSecond) : TrainingEvent(Step);

/// <summary>An update not applied because the loss or a gradient was NaN or infinite; the weights are unchanged.</summary>
public sealed record StepSkipped(int Step, int Epoch, string Reason, double Loss, double GradientNorm, int ConsecutiveSkips) : TrainingEvent(Step);

/// <summary>
/// Validation results. <see cref="TrainLoss"/> is the mean training loss of the updates since the previous
/// evaluation, and <see cref="Gap"/> = validation − training loss: the overfitting signal.
/// </summary>
public sealed record EvaluationCompleted(int Step, int Epoch, string Trigger, double Loss, double Perplexity,
    double TokenAccuracy, long Targets, double TrainLoss, double Gap, bool IsBest) : TrainingEvent(Step);

/// <summary>A resumable checkpoint is complete on disk.</summary>
public sealed record CheckpointSaved(int Step, string Path) : TrainingEvent(Step);

/// <summary>Validation loss stopped improving for <see cref="Patience"/> evaluations.</summary>
public sealed record StoppedEarly(int Step, int BestStep, double BestLoss, int Patience) : TrainingEvent(Step);

/// <summary>
/// Work after the last update began (a twin version's scoring, evaluation, storing): long enough that a watcher
/// should hear of it rather than see a finished run go quiet.
/// </summary>
public sealed record StageStarted(int Step, string Description) : TrainingEvent(Step);

/// <summary>Something the user should know that does not stop the run.</summary>
public sealed record TrainingWarning(int Step, string Message) : TrainingEvent(Step);

/// <summary>The run ended; the model holds the weights the result describes.</summary>
public sealed record RunFinished(int Step, bool StoppedEarly, int? BestStep, double? BestLoss, bool RestoredBest,
    int? GapWideningStep, int SkippedSteps, double Seconds) : TrainingEvent(Step);

/// <summary>
/// A hyperparameter search (<see cref="Search.HyperparameterSearch"/>) ran one candidate through one rung.
/// </summary>
/// <param name="Step">The candidate's own updates so far.</param>
/// <param name="Trial">The candidate's number, from 1.</param>
/// <param name="Trials">How many candidates the search has.</param>
/// <param name="Rung">The round, from 1; each keeps the best third of the one before.</param>
/// <param name="Rungs">How many rounds the search has.</param>
/// <param name="Candidate">Its settings, for people ("learning rate 0.001, 8 epochs, rank 16").</param>
/// <param name="Loss">Its best held-out loss so far; NaN when it failed.</param>
/// <param name="Finished">It ran to its end rather than being paused at the rung.</param>
/// <param name="Failure">Why it left the search (it diverged), or null.</param>
public sealed record SearchTrialCompleted(int Step, int Trial, int Trials, int Rung, int Rungs, string Candidate, double Loss, bool Finished,
    string? Failure) : TrainingEvent(Step);
