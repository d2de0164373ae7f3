namespace Twinforge.Bench;

/// <summary>The best matrix-product rates over all measured shapes, per dtype, and every shape's figure.</summary>
public sealed record CeilingReport(double Float32GflopsPerSecond, double BFloat16GflopsPerSecond, string Method,
    IReadOnlyList<MatmulMeasurement> Shapes);
