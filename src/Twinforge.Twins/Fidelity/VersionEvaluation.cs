namespace Twinforge.Twins.Fidelity;

/// <summary>
/// What a version is beyond its held-out loss, measured by <see cref="VersionEvaluator"/> and recorded with the version:
/// whether it sounds like its creator to an outside judge (<see cref="Fidelity"/>), whether it recites the creator's
/// training data (<see cref="Memorisation"/>), and whether it lost general ability (<see cref="Forgetting"/>; null when
/// no general text was given to measure it on).
/// </summary>
public sealed record VersionEvaluation(FidelityFigures Fidelity, MemorisationFigures Memorisation, ForgettingFigures? Forgetting);

/// <summary>
/// The twin against its base on the creator's held-out conversations: the loss on the creator's answers (nats per
/// token), and the stylometric judge's attribution of both models' answers to held-out prompts. The gains are also
/// given per 1,000 creator tokens trained on: the fidelity-to-data ratio.
/// </summary>
/// <param name="CreatorTokens">The creator's tokens the version trained on (its own new data, not the replayed).</param>
/// <param name="Answers">Held-out prompts both models answered.</param>
public sealed record FidelityFigures(double TwinLoss, double BaseLoss, long CreatorTokens, int Answers, AttributionFigures? Attribution)
{
    /// <summary>The base's held-out loss minus the twin's (positive: the twin predicts the creator better).</summary>
    public double LossGain => BaseLoss - TwinLoss;

    /// <summary><see cref="LossGain"/> per 1,000 creator tokens trained on; null without any.</summary>
    public double? LossGainPerThousandTokens => CreatorTokens > 0 ? LossGain / (CreatorTokens / 1000.0) : null;

    /// <summary>The gain in the share of answers attributed to the creator, per 1,000 creator tokens.</summary>
    public double? AttributionGainPerThousandTokens =>
        Attribution is { } attribution && CreatorTokens > 0 ? (attribution.TwinShare - attribution.BaseShare) / (CreatorTokens / 1000.0) : null;
}

/// <summary>
/// How an independent stylometric judge (<see cref="StylometricJudge"/>), trained to tell the creator's training text
/// from other authors', attributes answers cut into chunks of <paramref name="ChunkWords"/> words: the twin's, the
/// base's (the floor) and the creator's own held-out answers (the ceiling, its recall), with its balanced accuracy on
/// held-out human text so its verdict can be weighed.
/// </summary>
public sealed record AttributionFigures(string Measure, double JudgeBalancedAccuracy, double CreatorShare, double TwinShare, double BaseShare,
    int ChunkWords, int TwinChunks, int BaseChunks, int CreatorChunks, int OtherChunks, IReadOnlyList<string> OtherAuthors);

/// <summary>
/// How much of the creator's training data the twin gives back word for word, beside the base (which never saw it: the
/// floor of what is common phrasing or guessable): the share of its answers' word <paramref name="NgramLength"/>-grams
/// found in the training answers, its answers identical to a training answer, and the extraction test: given the
/// first half of a training answer after its prompt, how often greedy decoding writes the exact second half.
/// </summary>
/// <param name="Canary">The exposure of the canary the recipe planted (<see cref="PlantedCanary"/>), when it planted one.</param>
public sealed record MemorisationFigures(int NgramLength, double TwinVerbatimShare, int TwinNgrams, double BaseVerbatimShare, int BaseNgrams,
    int TwinCopiedAnswers, int ExtractionTrials, int TwinExtracted, int BaseExtracted, CanaryFigures? Canary = null)
{
    public double TwinExtractionRate => ExtractionTrials == 0 ? 0 : (double)TwinExtracted / ExtractionTrials;

    public double BaseExtractionRate => ExtractionTrials == 0 ? 0 : (double)BaseExtracted / ExtractionTrials;
}

/// <summary>
/// The loss of base and twin on held-out general text (nats per token), document by document, with the paired
/// bootstrap of the twin's change (positive: worse than the base). The twin's per-document losses are kept so a later
/// version can be compared with this one on the same documents.
/// </summary>
/// <param name="Text">What the general text is (its file name).</param>
public sealed record ForgettingFigures(string Text, int Documents, double BaseLoss, double TwinLoss, LossDifference? Difference,
    IReadOnlyList<double> TwinDocumentLosses, IReadOnlyList<long> DocumentTargets)
{
    /// <summary>The twin's loss minus the base's: how much general ability it lost (negative: it gained).</summary>
    public double Regression => TwinLoss - BaseLoss;
}

/// <summary>
/// The exposure in bits of a canary planted <paramref name="Repeats"/> times in the training data (Carlini et al.
/// 2019): log₂ of the candidate space minus log₂ of the secret's rank among random others by the model's loss. The
/// base never saw it (about 1 bit, chance); <paramref name="MaximumBits"/> means the twin ranks it first of all.
/// </summary>
public sealed record CanaryFigures(int Repeats, double TwinBits, double BaseBits, double MaximumBits)
{
    /// <summary>"once", "twice", "8 times".</summary>
    public string Planted => Repeats switch { 1 => "once", 2 => "twice", _ => $"{Repeats} times" };
}
