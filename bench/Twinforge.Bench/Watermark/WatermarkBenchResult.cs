using System.Globalization;
using System.Text;

namespace Twinforge.Bench.Watermark;

/// <summary>Human text of one source at one length: how many chunks, and the share at or above a z threshold.</summary>
sealed record HumanTextFigures(string Source, int Tokens, int Chunks, double FalsePositiveRateAtThreshold, double FalsePositiveRateAtFour);

/// <summary>Answers of one model at one temperature and length: the share detected, with and without the watermark.</summary>
sealed record DetectionFigures(string Model, double Temperature, int Tokens, int Answers, double ZThreshold,
    double DetectionRate, double DetectionRateAtFour, double MedianZ, double UnwatermarkedOverThreshold);

/// <summary>
/// The watermark's cost in loss (nats per token): on the creator's held-out answers, the loss of the model's own
/// distribution against the watermarked one it samples from; and the loss the unwatermarked model assigns to its
/// 200-token answers made with and without the watermark (the paper's perplexity measure, this model as its oracle).
/// </summary>
sealed record LossFigures(string Model, double HeldOutLoss, double WatermarkedHeldOutLoss, IReadOnlyList<AnswerLoss> Answers);

sealed record AnswerLoss(double Temperature, double PlainAnswerLoss, double WatermarkedAnswerLoss);

sealed record WatermarkBenchResult(string Description, string CpuModel, int LogicalCores, string GitCommit, DateTimeOffset Date,
    double Delta, double GreenFraction, int AnswersPerCell, IReadOnlyDictionary<int, double> ZThresholds,
    IReadOnlyList<HumanTextFigures> HumanText, IReadOnlyList<DetectionFigures> Detection, IReadOnlyList<LossFigures> Loss, double Seconds)
{
    public string Table()
    {
        var text = new StringBuilder();
        void Line(FormattableString line) => text.AppendLine(line.ToString(CultureInfo.InvariantCulture));
        Line($"watermark: δ {Delta}, γ {GreenFraction}, green list seeded by the previous token (context 1), repeated (previous, token) pairs scored once");
        Line($"  {Description}");
        Line($"  {AnswersPerCell} answers per model and temperature, multinomial sampling (no top-k, top-p); {Date:yyyy-MM-dd HH:mm} UTC, commit {GitCommit}, {CpuModel}, {LogicalCores} logical cores, {Seconds:F0} s");
        text.AppendLine();
        Line($"human text (false positives): z threshold per length = the smallest with ≤ 1% of all human chunks at or above it, at least 2.33 (1% for an exact test)");
        Line($"{"source",-12}{"tokens",8}{"chunks",8}{"z threshold",13}{"FPR",8}{"FPR z≥4",10}");
        foreach (var row in HumanText)
            Line($"{row.Source,-12}{row.Tokens,8}{row.Chunks,8}{ZThresholds[row.Tokens],13:F2}{row.FalsePositiveRateAtThreshold,8:P1}{row.FalsePositiveRateAtFour,10:P1}");
        text.AppendLine();
        Line($"detection rate of watermarked answers at the threshold (at z ≥ 4); unwatermarked answers over the threshold");
        Line($"{"model",-8}{"temp",6}{"tokens",8}{"detected",10}{"(z ≥ 4)",10}{"median z",10}{"unwatermarked",15}");
        foreach (var row in Detection)
            Line($"{row.Model,-8}{row.Temperature,6:F1}{row.Tokens,8}{row.DetectionRate,10:P0}{row.DetectionRateAtFour,10:P0}{row.MedianZ,10:F1}{row.UnwatermarkedOverThreshold,15:P0}");
        text.AppendLine();
        Line($"loss cost (nats per token): held-out creator answers under the model / under its watermarked distribution; 200-token answers scored by the unwatermarked model, made without / with the watermark");
        foreach (var row in Loss)
        {
            Line($"{row.Model,-8}held-out {row.HeldOutLoss:F3} → {row.WatermarkedHeldOutLoss:F3} (+{row.WatermarkedHeldOutLoss - row.HeldOutLoss:F3})");
            foreach (var (temperature, plain, watermarked) in row.Answers.Select(answer => (answer.Temperature, answer.PlainAnswerLoss, answer.WatermarkedAnswerLoss)))
                Line($"{"",-8}answers at temperature {temperature:F1}: {plain:F3} → {watermarked:F3} (+{watermarked - plain:F3}; perplexity {Math.Exp(plain):F2} → {Math.Exp(watermarked):F2})");
        }
        return text.ToString();
    }
}
