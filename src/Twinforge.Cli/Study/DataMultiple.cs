namespace Twinforge.Cli.Study;

/// <summary>
/// How much more data training from scratch needs to reach the validation loss fine-tuning reaches: for a
/// fine-tuned point (data D, loss L), the data amount at which the from-scratch curve reaches L, interpolated
/// linearly in log(data) between the two measured points around it, divided by D. When the from-scratch curve never
/// gets down to L, only a lower bound is known: more than its largest amount ÷ D.
/// </summary>
/// <param name="FineTunedData">D: the fine-tuned point's data amount.</param>
/// <param name="TargetLoss">L: the fine-tuned point's validation loss.</param>
/// <param name="ScratchData">The interpolated from-scratch data amount reaching L, or the largest measured amount when it never does.</param>
/// <param name="IsLowerBound">True when from scratch never reached L: the multiple is at least <see cref="Multiple"/>.</param>
/// <param name="IsUpperBound">True when from scratch was already at or below L with its smallest amount: the multiple is at most <see cref="Multiple"/>.</param>
public sealed record DataMultiple(double FineTunedData, double TargetLoss, double ScratchData, bool IsLowerBound, bool IsUpperBound = false)
{
    public double Multiple => ScratchData / FineTunedData;

    /// <param name="fineTunedData">D: the fine-tuned point's data amount.</param>
    /// <param name="fineTunedLoss">L: the fine-tuned point's validation loss.</param>
    /// <param name="scratch">(data, loss) points of training from scratch, any order.</param>
    public static DataMultiple For(double fineTunedData, double fineTunedLoss, IReadOnlyList<(double Data, double Loss)> scratch)
    {
        if (scratch.Count == 0) throw new ArgumentException("there are no from-scratch points", nameof(scratch));
        var points = scratch.OrderBy(p => p.Data).ToList();
        if (points[0].Loss <= fineTunedLoss) return new DataMultiple(fineTunedData, fineTunedLoss, points[0].Data, IsLowerBound: false, IsUpperBound: true);
        for (int i = 1; i < points.Count; i++)
        {
            var (previous, next) = (points[i - 1], points[i]);
            if (next.Loss > fineTunedLoss) continue;
            // Between previous (above L) and next (at or below L): interpolate in log(data).
            double t = (previous.Loss - fineTunedLoss) / (previous.Loss - next.Loss);
            double logData = Math.Log(previous.Data) + t * (Math.Log(next.Data) - Math.Log(previous.Data));
            return new DataMultiple(fineTunedData, fineTunedLoss, Math.Exp(logData), IsLowerBound: false);
        }
        return new DataMultiple(fineTunedData, fineTunedLoss, points[^1].Data, IsLowerBound: true);
    }

    public override string ToString() => IsLowerBound
        ? FormattableString.Invariant($"more than {Multiple:0.#}× (from scratch never reached {TargetLoss:F3} with all {ScratchData:N0} tokens)")
        : IsUpperBound
        ? FormattableString.Invariant($"at most {Multiple:0.#}× (from scratch reached {TargetLoss:F3} with its smallest amount, {ScratchData:N0} tokens)")
        : FormattableString.Invariant($"{Multiple:0.#}× ({ScratchData:N0} tokens from scratch vs {FineTunedData:N0} fine-tuned, to reach {TargetLoss:F3})");
}
