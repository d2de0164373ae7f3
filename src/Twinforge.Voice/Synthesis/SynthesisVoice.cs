using System.Globalization;

namespace Twinforge.Voice.Synthesis;

/// <summary>
/// One synthetic speaker: a synthesiser, its voice (espeak-ng's <c>en-us+f3</c>, flite's <c>slt</c>) and, for
/// espeak-ng, a pitch (0–99) and a rate in words a minute, so that one accent and variant gives several speakers.
/// </summary>
public sealed record SynthesisVoice(SynthesisEngine Engine, string Voice, int? Pitch = null, int? WordsPerMinute = null)
{
    /// <summary>A name safe in file names and stable across runs: <c>espeak-en-us+f3-p40-s150</c>, <c>flite-slt</c>.</summary>
    public string Id => Engine switch
    {
        SynthesisEngine.EspeakNg => string.Create(CultureInfo.InvariantCulture, $"espeak-{Voice}{(Pitch is int p ? $"-p{p}" : "")}{(WordsPerMinute is int s ? $"-s{s}" : "")}"),
        _ => $"flite-{Voice}",
    };

    public override string ToString() => Id;

    /// <summary>Reads an <see cref="Id"/> back.</summary>
    /// <exception cref="FormatException">Not a voice id.</exception>
    public static SynthesisVoice Parse(string id)
    {
        if (id.StartsWith("flite-", StringComparison.Ordinal) && id.Length > 6) return new SynthesisVoice(SynthesisEngine.Flite, id[6..]);
        if (!id.StartsWith("espeak-", StringComparison.Ordinal) || id.Length <= 7)
            throw new FormatException($"'{id}' is not a voice: espeak-VOICE[-pPITCH][-sRATE] (espeak-en-us+f3-p40-s150) or flite-VOICE (flite-slt)");
        var parts = id[7..].Split('-').ToList();
        int? Take(char prefix)
        {
            if (parts.Count > 1 && parts[^1].Length > 1 && parts[^1][0] == prefix && int.TryParse(parts[^1][1..], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                parts.RemoveAt(parts.Count - 1);
                return value;
            }
            return null;
        }
        var rate = Take('s');
        var pitch = Take('p');
        return new SynthesisVoice(SynthesisEngine.EspeakNg, string.Join('-', parts), pitch, rate);
    }
}
