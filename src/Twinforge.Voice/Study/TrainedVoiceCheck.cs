namespace Twinforge.Voice.Study;

/// <summary>
/// The foundation in one of its own pre-training voices, on sentences it was pre-trained on: <paramref name="Spoken"/>
/// measured against that voice's <paramref name="Real"/> clips (the real clips' distortion is against themselves:
/// not measured). Its word error rate is the best a voice adapted from this foundation can hope for.
/// </summary>
public sealed record TrainedVoiceCheck(string Speaker, int Clips, VoiceFidelity Real, VoiceFidelity Spoken);
