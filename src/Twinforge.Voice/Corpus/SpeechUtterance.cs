namespace Twinforge.Voice.Corpus;

/// <summary>One line of a speech corpus's manifest: who says what, in which file, as which phonemes, for how long.</summary>
/// <param name="Id">Unique in the corpus; also the WAV file's name.</param>
/// <param name="Speaker">The speaker's id (a <see cref="Synthesis.SynthesisVoice.Id"/> for synthesised speech).</param>
/// <param name="Wav">The WAV file, relative to the corpus directory.</param>
/// <param name="Phonemes">The transcript's phonemes (<see cref="Phonemes.Phonemiser"/>).</param>
public sealed record SpeechUtterance(string Id, string Speaker, string Wav, string Text, IReadOnlyList<string> Phonemes, double Seconds);
