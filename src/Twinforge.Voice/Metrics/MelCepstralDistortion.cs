using static TorchSharp.torch;

namespace Twinforge.Voice.Metrics;

/// <summary>
/// Mel-cepstral distortion with dynamic time warping, in decibels (lower is closer). The definition used here: the
/// cepstrum of a frame is the cosine series of its N = 80 natural-log mel magnitudes L_n (<see cref="Features.MelSpectrogram"/>),
/// L_n = c_0 + 2 Σ_k c_k cos(πk(n + ½)/N), so c_k = (1/N) Σ_n L_n cos(πk(n + ½)/N) — the scaling the MCD formula's
/// factor 2 assumes — coefficients 1 to 24 (c0, the overall level, left out, so loudness does not count); the two clips' frames are
/// paired by the DTW path (steps right, down, diagonal) that minimises the summed Euclidean distance between
/// cepstra; and MCD = (10 / ln 10) · √(2 · Σ_d (c_d − c′_d)²), averaged over the path's pairs. It is the usual
/// formula on mel-frequency cepstra rather than SPTK's mel-generalised ones, so its values compare with each other
/// here, not with published figures.
/// </summary>
public static class MelCepstralDistortion
{
    public const int Coefficients = 24;
    static readonly double Scale = 10 / Math.Log(10) * Math.Sqrt(2);

    /// <summary>Cepstra [frames, <see cref="Coefficients"/>] of log-mel frames [frames, bins].</summary>
    public static float[][] Cepstra(Tensor logMel)
    {
        int frames = (int)logMel.shape[0], bins = (int)logMel.shape[1];
        var values = logMel.to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
        var cepstra = new float[frames][];
        for (int t = 0; t < frames; t++)
        {
            cepstra[t] = new float[Coefficients];
            for (int k = 1; k <= Coefficients; k++)
            {
                double sum = 0;
                for (int n = 0; n < bins; n++) sum += values[t * bins + n] * Math.Cos(Math.PI / bins * (n + 0.5) * k);
                cepstra[t][k - 1] = (float)(sum / bins);
            }
        }
        return cepstra;
    }

    /// <summary>The MCD between two clips' log-mel frames, aligned by DTW.</summary>
    public static double Between(Tensor logMel, Tensor reference) => Between(Cepstra(logMel), Cepstra(reference));

    public static double Between(float[][] a, float[][] b)
    {
        if (a.Length == 0 || b.Length == 0) throw new ArgumentException("MCD needs at least one frame on each side");
        static double Distance(float[] x, float[] y)
        {
            double sum = 0;
            for (int d = 0; d < x.Length; d++) sum += (x[d] - y[d]) * (double)(x[d] - y[d]);
            return Math.Sqrt(sum);
        }
        int n = a.Length, m = b.Length;
        var cost = new double[n + 1, m + 1];
        var steps = new int[n + 1, m + 1];
        for (int i = 0; i <= n; i++) for (int j = 0; j <= m; j++) cost[i, j] = double.PositiveInfinity;
        cost[0, 0] = 0;
        for (int i = 1; i <= n; i++)
        {
            for (int j = 1; j <= m; j++)
            {
                double diagonal = cost[i - 1, j - 1], up = cost[i - 1, j], left = cost[i, j - 1];
                double best = Math.Min(diagonal, Math.Min(up, left));
                int length = best == diagonal ? steps[i - 1, j - 1] : best == up ? steps[i - 1, j] : steps[i, j - 1];
                cost[i, j] = best + Distance(a[i - 1], b[j - 1]);
                steps[i, j] = length + 1;
            }
        }
        return Scale * cost[n, m] / steps[n, m];
    }
}
