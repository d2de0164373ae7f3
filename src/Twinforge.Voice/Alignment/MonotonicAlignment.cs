namespace Twinforge.Voice.Alignment;

/// <summary>
/// Monotonic alignment search (Kim et al., Glow-TTS, 2020): the path through a [phonemes, frames] grid of
/// log-likelihoods that gives every frame to one phoneme, every phoneme at least one frame, in order, with the
/// largest total. Dynamic programming, O(phonemes × frames); it learns nothing itself — the model's likelihoods
/// improve, and the path with them — so a creator's recordings, which come without timings, can be trained on.
/// </summary>
public static class MonotonicAlignment
{
    /// <summary>Frames per phoneme along the best path; they sum to the frame count.</summary>
    /// <param name="logLikelihood">Row-major [phonemes, frames].</param>
    /// <exception cref="ArgumentException">Fewer frames than phonemes: no path exists.</exception>
    public static int[] Durations(ReadOnlySpan<float> logLikelihood, int phonemes, int frames)
    {
        if (phonemes < 1 || frames < phonemes) throw new ArgumentException($"{frames} frames cannot be aligned to {phonemes} phonemes (each needs a frame)");
        if (logLikelihood.Length < phonemes * frames) throw new ArgumentException("the likelihood grid is smaller than phonemes × frames");
        // best[i, t]: the largest total of a path that gives frame t to phoneme i. Phoneme i can hold frame t only if
        // the i phonemes before it fit in the t frames before, and the rest after it.
        var best = new double[phonemes * frames];
        var cameFromPrevious = new bool[phonemes * frames];
        for (int t = 0; t < frames; t++)
        {
            int first = Math.Max(0, phonemes - (frames - t)), last = Math.Min(phonemes - 1, t);
            for (int i = 0; i < phonemes; i++)
            {
                int cell = i * frames + t;
                if (i < first || i > last) { best[cell] = double.NegativeInfinity; continue; }
                double stay = t > 0 ? best[cell - 1] : (i == 0 ? 0 : double.NegativeInfinity);
                double advance = t > 0 && i > 0 ? best[cell - frames - 1] : double.NegativeInfinity;
                bool fromPrevious = advance > stay;
                cameFromPrevious[cell] = fromPrevious;
                best[cell] = (fromPrevious ? advance : stay) + logLikelihood[cell];
            }
        }
        var durations = new int[phonemes];
        int phoneme = phonemes - 1;
        for (int t = frames - 1; t >= 0; t--)
        {
            durations[phoneme]++;
            if (cameFromPrevious[phoneme * frames + t]) phoneme--;
        }
        return durations;
    }
}
