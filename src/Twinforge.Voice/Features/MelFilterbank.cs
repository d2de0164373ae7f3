using static TorchSharp.torch;

namespace Twinforge.Voice.Features;

/// <summary>
/// Triangular filters evenly spaced on the mel scale (O'Shaughnessy's 2595·log10(1 + f/700)), each normalised to unit
/// area (Slaney's convention) so that wide high bands do not outweigh narrow low ones.
/// </summary>
public static class MelFilterbank
{
    public static double HertzToMel(double hertz) => 2595 * Math.Log10(1 + hertz / 700);

    public static double MelToHertz(double mel) => 700 * (Math.Pow(10, mel / 2595) - 1);

    /// <summary>The filters as a [mel bins, FFT bins] matrix of float32.</summary>
    public static Tensor Create(MelSettings settings)
    {
        int fftBins = settings.FftSize / 2 + 1;
        double low = HertzToMel(settings.MinHertz), high = HertzToMel(settings.MaxHertz);
        var edges = Enumerable.Range(0, settings.MelBins + 2).Select(i => MelToHertz(low + (high - low) * i / (settings.MelBins + 1))).ToArray();
        var weights = new float[settings.MelBins * fftBins];
        for (int band = 0; band < settings.MelBins; band++)
        {
            double left = edges[band], centre = edges[band + 1], right = edges[band + 2];
            double area = 2 / (right - left);
            for (int bin = 0; bin < fftBins; bin++)
            {
                double hertz = (double)bin * settings.SampleRate / settings.FftSize;
                double rise = (hertz - left) / (centre - left), fall = (right - hertz) / (right - centre);
                weights[band * fftBins + bin] = (float)(Math.Max(0, Math.Min(rise, fall)) * area);
            }
        }
        return tensor(weights, [settings.MelBins, fftBins]);
    }
}
