namespace Twinforge.Voice.Study;

/// <summary>
/// How close synthesised speech of held-out sentences is to the creator: mel-cepstral distortion against their real
/// clips of the same sentences (dB, lower is closer), speaker similarity (the speaker encoder's cosine to the
/// creator's enrolment), the share of clips the verifier accepts as the creator, and the recogniser's word error rate.
/// </summary>
public sealed record VoiceFidelity(double MelCepstralDistortion, double Similarity, double Accepted, double WordErrorRate);
