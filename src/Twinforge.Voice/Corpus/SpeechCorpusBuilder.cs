using System.Security.Cryptography;
using System.Text;
using Twinforge.Engine;
using Twinforge.Voice.Audio;
using Twinforge.Voice.Phonemes;
using Twinforge.Voice.Recordings;
using Twinforge.Voice.Synthesis;

namespace Twinforge.Voice.Corpus;

/// <summary>
/// Renders sentences with synthetic speakers into a <see cref="SpeechCorpus"/>. Each speaker reads its own
/// sentences (a deterministic shuffle, dealt out in turn, so the corpus covers as much text as it has clips), each
/// clip is checked as a creator's would be, and a clip already rendered is kept: an interrupted build resumes, and
/// a clip's file name carries a hash of its speaker and text, so a changed sentence list never reuses a wrong clip.
/// </summary>
public static class SpeechCorpusBuilder
{
    public const int DefaultSampleRate = 16_000;
    public const string WavDirectoryName = "wavs";

    /// <param name="onClip">Called after each clip (done so far, in all), for progress.</param>
    /// <exception cref="BadInputException">Too few sentences, a synthesiser missing, or a clip it made fails the checks.</exception>
    public static SpeechCorpus Build(string directory, IReadOnlyList<string> sentences, IReadOnlyList<SynthesisVoice> voices, int clipsPerVoice,
        int seed, int sampleRate = DefaultSampleRate, Action<int, int>? onClip = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(clipsPerVoice, 1);
        if (voices.Count == 0) throw new BadInputException("a speech corpus needs at least one voice");
        if (voices.Select(voice => voice.Id).Distinct().Count() != voices.Count) throw new BadInputException("a speech corpus's voices must differ");
        if (sentences.Count < clipsPerVoice)
            throw new BadInputException($"{sentences.Count} sentences are too few for {clipsPerVoice} clips a voice");
        var order = sentences.ToArray();
        new Random(seed).Shuffle(order);
        var wavDirectory = Path.Combine(directory, WavDirectoryName);
        Directory.CreateDirectory(wavDirectory);
        // A corpus built before already has every sentence's phonemes: reused, not asked of espeak-ng again.
        var phonemes = KnownPhonemes(directory, sampleRate);
        var utterances = new List<SpeechUtterance>();
        int total = voices.Count * clipsPerVoice, next = 0;
        foreach (var voice in voices)
        {
            for (int clip = 0; clip < clipsPerVoice; clip++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var text = order[next++ % order.Length];
                var id = $"{voice.Id}-{Hash(voice.Id + "\n" + text)}";
                var relative = Path.Combine(WavDirectoryName, id + ".wav");
                var path = Path.Combine(directory, relative);
                Waveform audio;
                if (File.Exists(path)) audio = WavFile.Read(path);
                else
                {
                    audio = SpeechSynthesiser.Speak(voice, text, sampleRate);
                    if (ClipChecks.Check(path, audio, text) is [var problem, ..])
                        throw new BadInputException($"{voice} made an unusable clip of \"{text}\": {problem.Problem}");
                    WavFile.Write(path, audio);
                }
                if (!phonemes.TryGetValue(text, out var sequence)) phonemes[text] = sequence = Phonemiser.Phonemise(text);
                utterances.Add(new SpeechUtterance(id, voice.Id, relative, text, sequence, Math.Round(audio.Seconds, 4)));
                onClip?.Invoke(utterances.Count, total);
            }
        }
        var corpus = new SpeechCorpus(directory, sampleRate, utterances);
        corpus.Save();
        return corpus;
    }

    /// <summary>The phonemes of every sentence in the directory's manifest, if it has a readable one (it is only a cache: a damaged one is rebuilt).</summary>
    static Dictionary<string, IReadOnlyList<string>> KnownPhonemes(string directory, int sampleRate)
    {
        if (!File.Exists(Path.Combine(directory, SpeechCorpus.ManifestFileName))) return [];
        try
        {
            return SpeechCorpus.Load(directory, sampleRate).Utterances.DistinctBy(u => u.Text).ToDictionary(u => u.Text, u => u.Phonemes);
        }
        catch (InputFileException)
        {
            return [];
        }
    }

    static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];
}
