namespace Twinforge.Service.Watermarking;

/// <summary>Bound from <c>Twinforge:Watermark</c>.</summary>
public sealed class WatermarkOptions
{
    /// <summary>
    /// The master secret every organisation's watermark key is derived from: a file of hexadecimal digits (at least 16
    /// bytes). Unset: <c>watermark-master-secret</c> in the data directory, created (mode 0600) on the first start.
    /// Service processes behind one name must share it, or text one of them watermarked is not found by another.
    /// </summary>
    public string? MasterSecretPath { get; set; }
}
