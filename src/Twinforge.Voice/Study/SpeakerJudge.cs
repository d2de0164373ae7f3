using Twinforge.Voice.Metrics;
using Twinforge.Voice.Training;
using static TorchSharp.torch;

namespace Twinforge.Voice.Study;

/// <summary>
/// The study's speaker judge: a <see cref="SpeakerEncoder"/> trained on the foundation corpus's training clips, and
/// its verifier threshold at the equal-error point on the corpus's held-out clips (each scored against its own
/// speaker's enrolment and against every other speaker's).
/// </summary>
public static class SpeakerJudge
{
    public static (SpeakerEncoder Encoder, double Threshold, double EqualErrorRate) Train(SpeechDataset train, SpeechDataset heldOut, int speakers, int steps, int seed)
    {
        var encoder = new SpeakerEncoder(train.MelBins, speakers, seed);
        encoder.Train(train, steps, seed);
        float[] Embed(PreparedUtterance u)
        {
            using var frames = tensor(u.Mel, [u.Frames, train.MelBins]);
            return encoder.Embed(frames);
        }
        var enrolments = train.Utterances.GroupBy(u => u.Speaker).ToDictionary(g => g.Key, g => SpeakerVerification.Enrol([.. g.Take(10).Select(Embed)]));
        var targets = new List<double>();
        var impostors = new List<double>();
        foreach (var utterance in heldOut.Utterances)
        {
            var embedding = Embed(utterance);
            foreach (var (speaker, enrolment) in enrolments)
                (speaker == utterance.Speaker ? targets : impostors).Add(SpeakerEncoder.Cosine(embedding, enrolment));
        }
        var (threshold, rate) = SpeakerVerification.EqualError(targets, impostors);
        return (encoder, threshold, rate);
    }
}
