namespace Twinforge.Voice.Training;

/// <summary>An utterance ready to train on: phoneme ids (pauses at both ends), log-mel frames (row-major [frames, bins]), per-frame log pitch and log energy.</summary>
public sealed record PreparedUtterance(string Id, int Speaker, int[] Phonemes, float[] Mel, int Frames, float[] Pitch, float[] Energy);
