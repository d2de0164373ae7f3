namespace Twinforge.Voice.Training;

/// <summary>One epoch's figures: mean training losses, the held-out mel loss (L1 on log-mel frames) if there is held-out speech.</summary>
public sealed record AcousticEpoch(int Epoch, int Steps, double TrainLoss, double TrainMelLoss, double? ValidationMelLoss, bool Best, double Seconds);
