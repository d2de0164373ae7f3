using Twinforge.Voice.Synthesis;

namespace Twinforge.Voice.Corpus;

/// <summary>
/// The synthetic speakers of the built-in voice corpus. The foundation hears many: espeak-ng's accents × voice
/// variants, each at its own pitch and rate (formant synthesis: varied, but plainly machine speech), and two of
/// flite's voices — kal16 (a diphone voice) and slt, the one member of flite's family of statistical models of
/// recorded human speakers (CMU ARCTIC) it is allowed to hear. The creators are the other two members of that family,
/// awb (a Scottish English male speaker) and rms (an American male speaker), which pre-training never hears: a new
/// voice of a kind the foundation barely knows, as a creator's recorded voice would be.
/// </summary>
public static class BuiltInVoices
{
    static readonly string[] Accents = ["en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-029"];
    static readonly string[] Variants = ["m1", "m3", "m7", "f1", "f2", "f4", "klatt2", "Andy"];
    static readonly int[] Pitches = [35, 50, 65];
    static readonly int[] Rates = [140, 160, 180];

    /// <summary>The speakers pre-training learns from: 40 espeak-ng speakers and two of flite's voices.</summary>
    public static IReadOnlyList<SynthesisVoice> Foundation { get; } =
    [
        .. Accents.SelectMany((accent, a) => Variants.Select((variant, v) =>
            new SynthesisVoice(SynthesisEngine.EspeakNg, $"{accent}+{variant}", Pitches[(a + v) % Pitches.Length], Rates[(2 * a + v) % Rates.Length]))),
        new SynthesisVoice(SynthesisEngine.Flite, "kal16"),
        new SynthesisVoice(SynthesisEngine.Flite, "slt"),
    ];

    /// <summary>
    /// The one foundation voice of the creators' family (flite's slt): the study's ceiling of adaptation is the
    /// foundation speaking in it.
    /// </summary>
    public static SynthesisVoice CreatorsKin => Foundation[^1];

    /// <summary>The creators: voices of a family pre-training barely heard (one of its members), never these two.</summary>
    public static IReadOnlyList<SynthesisVoice> Creators { get; } =
    [
        new SynthesisVoice(SynthesisEngine.Flite, "awb"),
        new SynthesisVoice(SynthesisEngine.Flite, "rms"),
    ];
}
