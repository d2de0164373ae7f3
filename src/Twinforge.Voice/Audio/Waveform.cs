namespace Twinforge.Voice.Audio;

/// <summary>Mono audio as samples in [-1, 1] at a sample rate: what every part of the voice twin reads and writes.</summary>
public sealed record Waveform(float[] Samples, int SampleRate)
{
    public double Seconds => (double)Samples.Length / SampleRate;

    /// <summary>The largest absolute sample.</summary>
    public float Peak => Samples.Length == 0 ? 0 : Samples.Max(Math.Abs);

    /// <summary>Root mean square level in decibels relative to full scale (−∞ for digital silence).</summary>
    public double RmsDecibels
    {
        get
        {
            if (Samples.Length == 0) return double.NegativeInfinity;
            double sum = 0;
            foreach (var sample in Samples) sum += (double)sample * sample;
            return 10 * Math.Log10(sum / Samples.Length);
        }
    }
}
