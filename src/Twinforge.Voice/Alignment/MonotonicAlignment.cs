namespace Twinforge.Voice.Alignment;

/// <summary>
/// Monotonic alignment search (Kim et al., Glow-TTS, 2020): the path through a [phonemes, frames] grid of
/// log-likelihoods that gives every frame to one phoneme, every phoneme at least one frame, in order, with the
/// largest total. Dynamic programming, O(phonemes × frames); it learns nothing itself — the model's likelihoods
/// improve, and the path with them — so a creator's recordings, which come without timings, can be trained on.
/// An untrained model's likelihoods hardly differ between phonemes, and a search on them alone settles into a
/// degenerate path (a few phonemes holding most frames, the rest one each) that training then reinforces; adding
/// <see cref="DiagonalPrior"/> keeps early paths near the diagonal until the likelihoods say better.
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

    /// <summary>
    /// The log-probability of each phoneme holding each frame under a beta-binomial prior centred on the diagonal
    /// (Badlani et al. 2021, "One TTS Alignment to Rule Them All"): frame t of T is phoneme k of N with probability
    /// BetaBinomial(k; N − 1, α = ω(t + 1), β = ω(T − t)). Row-major [phonemes, frames]; each frame's column sums to 1 in
    /// probability. Computed by the pmf's ratio recurrence, so no gamma function is needed.
    /// </summary>
    /// <param name="sharpness">ω: larger values narrow the prior around the diagonal.</param>
    public static float[] DiagonalPrior(int phonemes, int frames, double sharpness = 1)
    {
        if (phonemes < 1 || frames < 1) throw new ArgumentException("the prior needs at least one phoneme and one frame");
        var grid = new float[phonemes * frames];
        int n = phonemes - 1;
        for (int t = 0; t < frames; t++)
        {
            double a = sharpness * (t + 1), b = sharpness * (frames - t);
            // log pmf(0) = log B(a, n + b) − log B(a, b) = Σ_{j<n} log((b + j) / (a + b + j)).
            double log = 0;
            for (int j = 0; j < n; j++) log += Math.Log((b + j) / (a + b + j));
            grid[t] = (float)log;
            for (int k = 0; k < n; k++)
            {
                // pmf(k + 1) / pmf(k) = (n − k)/(k + 1) · (k + a)/(n − k − 1 + b)
                log += Math.Log((n - k) / (k + 1.0) * (k + a) / (n - k - 1 + b));
                grid[(k + 1) * frames + t] = (float)log;
            }
        }
        return grid;
    }
}
