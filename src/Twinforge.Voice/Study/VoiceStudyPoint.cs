namespace Twinforge.Voice.Study;

/// <summary>One share of the creator's recordings: adapted from the foundation and trained from scratch on the same clips.</summary>
public sealed record VoiceStudyPoint(double Seconds, int Clips, VoiceFidelity Adapted, VoiceFidelity FromScratch, double AdaptSeconds, double ScratchSeconds);
