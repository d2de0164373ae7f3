namespace Twinforge.Voice.Synthesis;

/// <summary>The Debian speech synthesisers that stand in for recorded speakers.</summary>
public enum SynthesisEngine
{
    /// <summary>espeak-ng: formant synthesis, many accents and voice variants, pitch and rate set per voice.</summary>
    EspeakNg,

    /// <summary>flite: CMU's synthesiser; its awb, rms and slt voices are statistical models of recorded human speakers.</summary>
    Flite,
}
