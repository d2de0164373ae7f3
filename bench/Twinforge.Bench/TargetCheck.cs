namespace Twinforge.Bench;

/// <summary>
/// One of the targets beside the figure that answers it. <see cref="AtMost"/> is true for ceilings
/// (memory, optimizer share) and false for floors (throughput). <see cref="Unit"/> is "tok/s", "bytes" or "ratio".
/// </summary>
public sealed record TargetCheck(string Name, string Unit, double Target, bool AtMost, double? Measured, string MeasuredBy)
{
    public bool? Met => Measured is double value ? (AtMost ? value < Target : value >= Target) : null;
}
