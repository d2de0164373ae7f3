using Twinforge.Voice.Audio;

namespace Twinforge.Voice.Tests;

/// <summary>Made-up audio for the input checks: a voiced-looking tone of a given length and level.</summary>
static class Tones
{
    public static Waveform Tone(double seconds, float amplitude = 0.3f, int sampleRate = 16_000, double hertz = 220) =>
        new(Enumerable.Range(0, (int)(seconds * sampleRate)).Select(i => (float)(amplitude * Math.Sin(2 * Math.PI * hertz * i / sampleRate))).ToArray(), sampleRate);
}
