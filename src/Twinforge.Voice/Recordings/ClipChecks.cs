using Twinforge.Engine;
using Twinforge.Voice.Audio;

namespace Twinforge.Voice.Recordings;

/// <summary>
/// What makes a recording unusable for adapting a voice, each found before any training: no sound, a level driven
/// into full scale, or a length that cannot be the transcript spoken (a wrong file, or a transcript of another clip).
/// </summary>
public static class ClipChecks
{
    /// <summary>Quieter than this over the whole clip is taken for silence (a muted microphone, an empty file).</summary>
    public const double SilenceDecibels = -60;

    /// <summary>A sample at or above this magnitude is at full scale.</summary>
    public const float FullScale = 0.999f;

    /// <summary>More than this share of samples at full scale is clipping, not the odd loud peak.</summary>
    public const double MaxClippedShare = 0.001;

    public const double MinSeconds = 0.3, MaxSeconds = 30;

    /// <summary>
    /// Speech runs at about 12–15 letters a second; faster than this cannot be the transcript read aloud.
    /// </summary>
    public const double MaxLettersPerSecond = 40;

    /// <summary>Slower than this (after <see cref="AllowedPauseSeconds"/> of silence around it) cannot be either.</summary>
    public const double MinLettersPerSecond = 3;

    public const double AllowedPauseSeconds = 1.5;

    /// <summary>The problems with one clip, as errors naming its file; empty when it is usable.</summary>
    public static IReadOnlyList<InputFileException> Check(string path, Waveform audio, string transcript)
    {
        var errors = new List<InputFileException>();
        void Fail(string problem) => errors.Add(new InputFileException(path, problem));
        if (audio.Seconds < MinSeconds) Fail($"is too short to learn a voice from ({audio.Seconds:F2} s; at least {MinSeconds} s)");
        if (audio.Seconds > MaxSeconds) Fail($"is too long ({audio.Seconds:F1} s; at most {MaxSeconds} s a clip: cut it at its sentences)");
        double level = audio.RmsDecibels;
        if (level < SilenceDecibels)
        {
            Fail(double.IsNegativeInfinity(level) ? "is silent (every sample is zero)" : $"is silent (level {level:F0} dBFS, below {SilenceDecibels} dBFS)");
            return errors;
        }
        int clipped = audio.Samples.Count(sample => Math.Abs(sample) >= FullScale);
        double clippedShare = (double)clipped / audio.Samples.Length;
        if (clippedShare > MaxClippedShare)
            Fail($"is clipped: {clipped:N0} samples ({clippedShare:P1}) at full scale; record it again at a lower level");
        int letters = transcript.Count(char.IsLetterOrDigit);
        if (letters == 0) Fail("has an empty transcript");
        else if (audio.Seconds >= MinSeconds && audio.Seconds <= MaxSeconds)
        {
            if (letters / audio.Seconds > MaxLettersPerSecond)
                Fail($"is too short for its transcript: {audio.Seconds:F2} s for {letters} letters ({letters / audio.Seconds:F0} a second; speech is about 12–15): is it the right clip?");
            else if (audio.Seconds > AllowedPauseSeconds + letters / MinLettersPerSecond)
                Fail($"is too long for its transcript: {audio.Seconds:F1} s for {letters} letters (speech is about 12–15 a second): is it the right clip, or does the transcript miss words?");
        }
        return errors;
    }
}
