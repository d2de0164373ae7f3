namespace Twinforge.Cli.Study;

/// <summary>One run of the study: a method trained on a share of the creator's data, judged on the fixed held-out set.</summary>
/// <param name="Method">"fine-tuned" or "from scratch".</param>
/// <param name="Fraction">Share of the training conversations used.</param>
/// <param name="Examples">Conversations used.</param>
/// <param name="TrainedTokens">Target tokens in those conversations: the data amount the curve is drawn against.</param>
/// <param name="ValidationLoss">Best validation loss of the run on the held-out set.</param>
/// <param name="BestStep">The step of that best validation.</param>
/// <param name="StoppedEarly">Early stopping ended the run.</param>
/// <param name="CreatorShare">
/// The share of its answers to the held-out prompts the stylometric judge attributes to the creator (fine-tuned runs
/// and the base, when the study judges), and for the base row also <see cref="CeilingShare"/>: the creator's own.
/// </param>
public sealed record DataEfficiencyPoint(string Method, double Fraction, int Examples, long TrainedTokens, double ValidationLoss, int BestStep, bool StoppedEarly,
    double? CreatorShare = null, double? CeilingShare = null);
