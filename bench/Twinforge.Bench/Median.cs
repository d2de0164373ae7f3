namespace Twinforge.Bench;

/// <summary>The median: robust to the odd slow step or run that a shared machine produces.</summary>
public static class Median
{
    public static double Of(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("the median of no values is undefined", nameof(values));
        var sorted = values.Order().ToList();
        int middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
