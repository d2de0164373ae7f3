using System.Globalization;

namespace Twinforge.Reporting;

/// <summary>How numbers appear in a report: invariant culture, a fixed number of decimals per kind of figure.</summary>
public static class ReportFormat
{
    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Losses and gaps in nats, four decimals: <c>1.2346</c>.</summary>
    public static string Loss(double loss) => double.IsFinite(loss) ? loss.ToString("0.0000", Invariant) : loss.ToString(Invariant);

    public static string Perplexity(double perplexity) => double.IsFinite(perplexity) ? perplexity.ToString("0.00", Invariant) : perplexity.ToString(Invariant);

    /// <summary>A fraction as a percentage: <c>0.4567</c> → <c>45.67%</c>.</summary>
    public static string Percent(double fraction) => (fraction * 100).ToString("0.00", Invariant) + "%";

    public static string Count(long count) => count.ToString("N0", Invariant);

    public static string Epochs(double epochs) => epochs.ToString("0.##", Invariant);
}
