using System.Globalization;
using Twinforge.Reporting;

namespace Twinforge.Twins;

/// <summary>
/// A version's held-out loss in its report.html: the fixed held-out set's loss by its final weights, against its
/// parent's, as <c>twin show</c> gives it. Every version's report has it, evaluated or not (the run's own table shows
/// the validation loss early stopping watched, which for a later version is the new data's, not the fixed set's).
/// </summary>
public static class HeldOutLossSection
{
    /// <param name="parent">The parent's figures, whose per-conversation losses give the difference its interval; null for a first version.</param>
    public static ReportSection Of(VersionMetrics metrics, VersionMetrics? parent)
    {
        var rows = new List<IReadOnlyList<string>>
        {
            new[] { "the twin's fixed held-out set (the same for every version)", F4(metrics.FixedHeldOutLoss), metrics.FixedHeldOutPerplexity.ToString("F2", CultureInfo.InvariantCulture),
                metrics.ParentFixedHeldOutLoss is double parentLoss ? F4(parentLoss) : "-" },
        };
        if (metrics.NewHeldOutLoss is double fresh) rows.Add(new[] { "the held-out part of the data this version added", F4(fresh), Math.Exp(fresh).ToString("F2", CultureInfo.InvariantCulture), "-" });
        var text = string.Create(CultureInfo.InvariantCulture,
            $"Scored by the final weights on the twin's fixed held-out conversations: {(metrics.Improvement is null ? "the first version, with no parent to compare with" : metrics.Verdict)}. ");
        if (parent is not null && metrics.DifferenceFrom(parent) is { } difference)
            text += $"Against its parent, conversation by conversation: {difference.Describe()}. ";
        text += string.Create(CultureInfo.InvariantCulture, $"Best validation at step {metrics.BestStep} of {metrics.Steps}") + (metrics.StoppedEarly ? ", stopped early." : ".");
        return new ReportSection("Held-out loss: the version against its parent", text, ["held-out data", "loss (nats per token)", "perplexity", "parent's loss"], rows);
    }

    static string F4(double value) => value.ToString("F4", CultureInfo.InvariantCulture);
}
