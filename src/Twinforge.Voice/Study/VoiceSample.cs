namespace Twinforge.Voice.Study;

/// <summary>One held-out sentence as one system said it, for listening: the WAV file and its spectrogram, relative to the study's directory.</summary>
public sealed record VoiceSample(int Sentence, string Text, string System, string Wav, string Spectrogram);
