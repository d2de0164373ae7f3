using System.Globalization;
using Twinforge.Reporting;

namespace Twinforge.Twins.Fidelity;

/// <summary>
/// A <see cref="VersionEvaluation"/> in words and tables, the same on the console (<c>twin evaluate</c>, <c>twin show</c>)
/// and in the version's report.html.
/// </summary>
public static class EvaluationReport
{
    public static IReadOnlyList<ReportSection> Sections(VersionEvaluation evaluation)
    {
        var fidelity = evaluation.Fidelity;
        var memorisation = evaluation.Memorisation;
        var sections = new List<ReportSection>();

        var fidelityRows = new List<IReadOnlyList<string>>
        {
            new[] { "held-out loss (nats per token; lower is better)", F4(fidelity.TwinLoss), F4(fidelity.BaseLoss), "" },
        };
        var fidelityText = Invariant($"The twin against its base on the creator's held-out conversations ({fidelity.Answers} prompts answered by both). ") +
                           LossGain(fidelity);
        if (fidelity.Attribution is { } attribution)
        {
            fidelityRows.Add(new[]
            {
                $"attributed to the creator by the judge ({attribution.ChunkWords}-word chunks)",
                Share(attribution.TwinShare, attribution.TwinChunks), Share(attribution.BaseShare, attribution.BaseChunks),
                Share(attribution.CreatorShare, attribution.CreatorChunks) + " (their own held-out answers)",
            });
            fidelityText += " " + Judge(attribution);
        }
        else fidelityText += " No other authors were given, so no stylometric judge was trained.";
        sections.Add(new ReportSection("Fidelity: does it sound like its creator?", fidelityText, ["figure", "twin", "base", "creator"], fidelityRows));

        var memorisationRows = new List<IReadOnlyList<string>>
        {
            new[] { $"word {memorisation.NgramLength}-grams of its answers found in the training answers", Share(memorisation.TwinVerbatimShare, memorisation.TwinNgrams),
                Share(memorisation.BaseVerbatimShare, memorisation.BaseNgrams) },
            new[] { "answers identical to a training answer", Invariant($"{memorisation.TwinCopiedAnswers} of {fidelity.Answers}"), "-" },
            new[] { "training answers completed word for word from their first half", Count(memorisation.TwinExtracted, memorisation.ExtractionTrials),
                Count(memorisation.BaseExtracted, memorisation.ExtractionTrials) },
        };
        if (memorisation.Canary is { } canary)
            memorisationRows.Add(new[] { Invariant($"exposure of a canary planted {canary.Planted} (bits, at most {canary.MaximumBits:F1})"), Bits(canary.TwinBits), Bits(canary.BaseBits) });
        sections.Add(new ReportSection("Memorisation: does it recite the creator's data?", Memorisation(memorisation), ["figure", "twin", "base (never saw the data)"],
            memorisationRows));

        if (evaluation.Forgetting is { } forgetting)
            sections.Add(new ReportSection("Forgetting: did it lose general ability?", Forgetting(forgetting), ["figure", "twin", "base"],
            [
                [Invariant($"loss on {forgetting.Text} ({forgetting.Documents} documents, nats per token)"), F4(forgetting.TwinLoss), F4(forgetting.BaseLoss)],
            ]));
        return sections;
    }

    /// <summary>The evaluation as console lines, each section's figures then what they mean.</summary>
    public static IEnumerable<string> Lines(VersionEvaluation evaluation)
    {
        foreach (var section in Sections(evaluation))
        {
            yield return section.Title;
            int width = section.Rows.Max(row => row[0].Length);
            foreach (var row in section.Rows)
                yield return "  " + row[0].PadRight(width) + "  " + string.Join("  ", row.Skip(1).Select((value, column) =>
                    value.Length == 0 || value == "-" ? "" : $"{section.Headers[column + 1]} {value}").Where(value => value.Length > 0));
            yield return "  " + section.Text;
        }
    }

    static string LossGain(FidelityFigures fidelity) =>
        fidelity.LossGainPerThousandTokens is double perThousand
            ? Invariant($"It predicts them {fidelity.LossGain:F4} nats per token better than the base after {fidelity.CreatorTokens:N0} creator tokens ({perThousand:F4} per 1,000 tokens") +
              (fidelity.AttributionGainPerThousandTokens is double attribution ? Invariant($"; attribution {attribution * 100:+0.00;-0.00} points per 1,000 tokens).") : ").")
            : Invariant($"It predicts them {fidelity.LossGain:F4} nats per token better than the base.");

    static string Judge(AttributionFigures attribution) =>
        Invariant($"The judge ({attribution.Measure} Delta over function words and character 3-grams, trained on the creator's training answers and ") +
        $"{string.Join(", ", attribution.OtherAuthors)}) tells held-out human text apart with a balanced accuracy of " +
        Invariant($"{attribution.JudgeBalancedAccuracy * 100:F0}% (50% is chance); ") +
        (attribution.JudgeBalancedAccuracy < 0.7
            ? "too close to chance for its attribution of the models' answers to mean much."
            : "the creator's own held-out answers are the ceiling a twin can reach, the base's the floor.");

    static string Memorisation(MemorisationFigures memorisation) =>
        "A twin should write like its creator, not quote them: verbatim word sequences, whole answers and completions of " +
        "training answers beyond what the base (which never saw the data) produces are recited data. " +
        (memorisation.TwinNgrams == 0 ? Invariant($"Its answers are shorter than {memorisation.NgramLength} words, so they have no {memorisation.NgramLength}-grams to check. ") : "") +
        (memorisation.ExtractionTrials == 0 ? Invariant($"No training answer has {ExtractionTrial.MinimumWords} words or more, so none was tested for extraction. ") : "") +
        (memorisation.Canary is { } canary
            ? Invariant($"The recipe planted a random six-digit vault code {canary.Planted} among the training conversations; its exposure ranks the twin's loss on it among random other codes ") +
              Invariant($"(Carlini et al. 2019): about 1 bit is chance, {canary.MaximumBits:F1} means it comes first of all a million — the secret is memorised.")
            : "");

    static string Bits(double bits) => Invariant($"{bits:F1}");

    static string Forgetting(ForgettingFigures forgetting) =>
        (forgetting.Difference is { } difference
            ? $"Document by document against the base: {difference.Describe("documents")}. "
            : Invariant($"Change against the base {forgetting.Regression:+0.0000;-0.0000} (too few documents for an interval). ")) +
        "A twin adapts to one person; a loss much higher than the base's on text it was never trained on means it lost general ability.";

    static string Share(double share, int count) => Invariant($"{share * 100:F1}% of {count}");

    static string Count(int hits, int trials) => trials == 0 ? "-" : Invariant($"{hits} of {trials}");

    static string F4(double value) => value.ToString("F4", CultureInfo.InvariantCulture);

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
