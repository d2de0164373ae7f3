using Twinforge.Voice.Features;
using Twinforge.Voice.Model;
using Twinforge.Voice.Phonemes;
using Twinforge.Voice.Recordings;

namespace Twinforge.Voice.Training;

/// <summary>A creator's recordings as training data for a model: each transcript phonemised, each clip's frames and prosody computed.</summary>
public static class CreatorSpeech
{
    public static SpeechDataset Prepare(IEnumerable<RecordedClip> clips, AcousticModelConfig config, MelSpectrogram mel) =>
        new([.. clips.Select(clip => SpeechDataset.Prepare(clip.Id, 0, Phonemiser.Phonemise(clip.Transcript), clip.Audio, mel, config))], mel.Settings.MelBins);

    /// <summary>The first clips adding up to <paramref name="seconds"/> of audio (at least one): a share of a creator's recordings.</summary>
    public static IReadOnlyList<RecordedClip> FirstSeconds(IReadOnlyList<RecordedClip> clips, double seconds)
    {
        var taken = new List<RecordedClip>();
        double total = 0;
        foreach (var clip in clips)
        {
            if (taken.Count > 0 && total + clip.Audio.Seconds > seconds * 1.05) break;
            taken.Add(clip);
            total += clip.Audio.Seconds;
        }
        return taken;
    }
}
