namespace Twinforge.Engine.Training;

/// <summary>What a run did and how well: the figures a twin version records.</summary>
/// <param name="Steps">Optimizer updates taken (skipped ones included).</param>
/// <param name="TotalSteps">Updates planned.</param>
/// <param name="Epochs">Passes over the training data, fractional.</param>
/// <param name="TokensSeen">Positions computed in training, padding included.</param>
/// <param name="FinalTrainLoss">Mean training loss of the last evaluation interval (or of the last update).</param>
/// <param name="BestStep">Step of the best evaluation; null without a validation set.</param>
/// <param name="Best">The best evaluation's results.</param>
/// <param name="RestoredBest">The model now holds the best evaluation's weights rather than the last update's.</param>
/// <param name="StoppedEarly">Early stopping ended the run before its planned length.</param>
/// <param name="Cancelled">The run was cancelled; a checkpoint of its last step lets it resume.</param>
/// <param name="SkippedSteps">Updates skipped for a non-finite loss or gradient.</param>
/// <param name="Overfitting">The train/validation gap and where it began to widen.</param>
/// <param name="TrainLosses">The loss of every update (NaN where skipped).</param>
/// <param name="Evaluations">Every validation, in order.</param>
/// <param name="Duration">Wall-clock time of this call (not of earlier sessions of a resumed run).</param>
/// <param name="Precision">The precision the run trained in, automatic resolved (as its checkpoints record it).</param>
public sealed record TrainingResult(
    int Steps,
    int TotalSteps,
    double Epochs,
    long TokensSeen,
    double FinalTrainLoss,
    int? BestStep,
    EvaluationCompleted? Best,
    bool RestoredBest,
    bool StoppedEarly,
    bool Cancelled,
    int SkippedSteps,
    OverfittingReport Overfitting,
    IReadOnlyList<double> TrainLosses,
    IReadOnlyList<EvaluationCompleted> Evaluations,
    TimeSpan Duration,
    TrainingPrecision Precision = TrainingPrecision.Float32);
