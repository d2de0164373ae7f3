namespace Twinforge.Voice.Features;

/// <summary>
/// How audio becomes frames: a short-time Fourier transform (Hann window) every <see cref="HopLength"/> samples, its
/// power summed into <see cref="MelBins"/> triangular bands on the mel scale, as natural logs. The defaults are the
/// usual ones for 16 kHz speech: 64 ms windows, 16 ms apart (62.5 frames a second), 80 bands up to 8 kHz.
/// </summary>
public sealed record MelSettings
{
    public int SampleRate { get; init; } = 16_000;
    public int FftSize { get; init; } = 1024;
    public int HopLength { get; init; } = 256;
    public int MelBins { get; init; } = 80;
    public double MinHertz { get; init; }
    public double MaxHertz { get; init; } = 8_000;

    /// <summary>Magnitudes are floored here before the log, so silence is a finite −11.5.</summary>
    public double Floor { get; init; } = 1e-5;

    public double FramesPerSecond => (double)SampleRate / HopLength;

    public static MelSettings Default { get; } = new();
}
