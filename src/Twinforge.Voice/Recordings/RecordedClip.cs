using Twinforge.Voice.Audio;

namespace Twinforge.Voice.Recordings;

/// <summary>One clip of a creator's recordings: its file, what is said in it, and the audio.</summary>
public sealed record RecordedClip(string Id, string WavPath, string Transcript, Waveform Audio);
