using System.Globalization;
using System.Text;
using Twinforge.Reporting;
using Twinforge.Reporting.Charts;

namespace Twinforge.Voice.Study;

/// <summary>
/// The voice study's <c>report.html</c>: what was measured and how, the figures for every share, the curves, and the
/// held-out sentences to listen to — the real clip, the foundation's average voice, and each share adapted and from
/// scratch — each with its spectrogram. Plots are embedded; audio is linked relatively, so the directory moves whole.
/// </summary>
public static class VoiceStudyReport
{
    public const string PlotFileName = "voice-study.png";

    public const string FileName = "report.html";

    public static string Write(string directory, VoiceStudyResult result)
    {
        var seconds = result.Points.Select(p => p.Seconds).ToList();
        var plotPath = Path.Combine(directory, PlotFileName);
        // The foundation's level spans the shares; with one share it spans an octave each side, or it has no length to draw.
        double from = seconds.Min(), to = seconds.Max();
        if (from == to) (from, to) = (from / 2, to * 2);
        LineChart.Save(plotPath, $"Distortion against the creator's real clips ({result.Creator})", "seconds of the creator's recordings", "mel-cepstral distortion, dB",
            [
                LineSeries.Of("adapted from the foundation", seconds, [.. result.Points.Select(p => p.Adapted.MelCepstralDistortion)], SeriesStyle.LineWithMarkers),
                LineSeries.Of("from scratch", seconds, [.. result.Points.Select(p => p.FromScratch.MelCepstralDistortion)], SeriesStyle.LineWithMarkers),
                LineSeries.Of("the foundation's average voice", [from, to], [result.Base.MelCepstralDistortion, result.Base.MelCepstralDistortion]),
            ], logX: true);
        string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
        string[] Cells(string label, VoiceFidelity f, string multiple = "") =>
            [label, double.IsNaN(f.MelCepstralDistortion) ? "—" : F($"{f.MelCepstralDistortion:F2}"), F($"{f.Similarity:F3}"), F($"{f.Accepted:P0}"), f.WordErrorRateText, multiple];
        var rows = new List<string[]> { Cells("the creator's real clips (ceiling)", result.Real), Cells("the foundation's average voice (floor)", result.Base) };
        foreach (var point in result.Points)
        {
            rows.Add(Cells(F($"adapted, {point.Seconds:F0} s ({point.Clips} clips)"), point.Adapted, result.DataMultiple(point)));
            rows.Add(Cells(F($"from scratch, {point.Seconds:F0} s"), point.FromScratch));
        }
        // Where intelligibility is lost: the vocoder alone, and the decoder alone.
        if (result.Vocoded is { } vocoded) rows.Add(Cells("the real clips' own mel through Griffin-Lim (the vocoder alone)", vocoded));
        if (result.AdaptedGivenTiming is { } forced) rows.Add(Cells(F($"adapted, {seconds.Max():F0} s, given the real timing, pitch and energy (the decoder alone)"), forced));
        if (result.TrainedVoice is { } trained)
        {
            rows.Add(Cells(F($"{trained.Speaker}'s real clips of {trained.Clips} sentences the foundation was pre-trained on"), trained.Real));
            rows.Add(Cells(F($"the foundation in {trained.Speaker}'s voice, the same sentences (the ceiling of adaptation)"), trained.Spoken));
        }
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append($"<title>Voice study: {Html.Escape(result.Creator)}</title><style>{ReportStyle.Css} audio {{ width: 220px; }} td img {{ width: 300px; }}</style></head><body>\n")
            .Append(Html.Element("h1", $"Voice study: {result.Creator}"))
            .Append(Html.Element("p", F($"Each share of the creator's recordings adapted the frozen foundation (a speaker vector, conditional norms and low-rank updates of its layers) and trained the same architecture from scratch; both are judged on {result.HeldOutClips} held-out sentences neither heard, synthesised and turned into audio by Griffin-Lim.")))
            .Append(Html.Element("p", "Mel-cepstral distortion: cepstra 1–24 of the log-mel (c_k = (1/N) Σ L_n cos(πk(n+½)/N)), frames paired by DTW, (10/ln 10)·√(2·Σ Δc²) averaged over the path (dB, lower is closer). Similarity: the speaker encoder's cosine to the creator's enrolment. Accepted: the share of clips the verifier takes for the creator. WER: PocketSphinx against the transcript, with its 95% interval by resampling the held-out sentences (a few words move it by several points)."))
            .Append(Html.Element("p", F($"The verifier's threshold is {result.VerifierThreshold:F3}, its equal-error rate {result.VerifierEqualErrorRate:P1} on the foundation corpus's held-out clips.")))
            .Append(Html.Table(["", "MCD (dB)", "similarity", "accepted as the creator", "WER (95% interval)", "data multiple"], rows.Select(row => row.Select(Html.Escape))))
            .Append("<figure>").Append(Html.PngImage(File.ReadAllBytes(plotPath), "distortion against seconds of data")).Append("</figure>\n");
        if (result.Samples.Count > 0)
        {
            html.Append(Html.Element("h2", "Listen"));
            foreach (var sentence in result.Samples.GroupBy(sample => sample.Sentence))
            {
                html.Append(Html.Element("h3", $"“{sentence.First().Text}”")).Append("<table>");
                foreach (var sample in sentence)
                    html.Append("<tr><td>").Append(Html.Escape(sample.System)).Append("</td><td>")
                        .Append($"<audio controls preload=\"none\" src=\"{Html.Escape(sample.Wav)}\"></audio></td><td>")
                        .Append($"<img alt=\"spectrogram: {Html.Escape(sample.System)}\" src=\"{Html.Escape(sample.Spectrogram)}\"></td></tr>");
                html.Append("</table>\n");
            }
        }
        var path = Path.Combine(directory, FileName);
        AtomicFile.WriteAllText(path, html.Append("</body></html>\n").ToString());
        return path;
    }
}
