using Twinforge.Cli.BuiltIn.English;
using Twinforge.Voice.Corpus;
using Twinforge.Voice.Synthesis;

namespace Twinforge.Cli.BuiltIn.Voice;

/// <summary>
/// The built-in voice corpus, in the cache: the foundation's speech (<see cref="BuiltInVoices.Foundation"/>, each
/// speaker reading its own sentences of the built-in English corpus's training text) and each built-in creator's
/// recordings (<see cref="BuiltInVoices.Creators"/>, sentences of the English corpus's held-out documents, so a
/// creator never says a sentence the foundation heard), written as a person's recordings arrive.
/// </summary>
public sealed class BuiltInVoiceCorpus(string cacheRoot)
{
    public const string Version = "voice-corpus-v1";
    public const int DefaultClipsPerVoice = 60;
    /// <summary>About six minutes a creator: the study's largest share is five minutes, and the held-out clips come after it.</summary>
    public const int DefaultCreatorClips = 130;
    const int Seed = 20261206;

    public string Directory { get; } = Path.Combine(cacheRoot, "voice", Version);

    public string FoundationDirectory => Path.Combine(Directory, "foundation");

    public string CreatorDirectory(SynthesisVoice creator) => Path.Combine(Directory, "creators", creator.Id);

    public (SpeechCorpus Foundation, IReadOnlyList<string> Creators) Build(int clipsPerVoice, int creatorClips, Action<string> log, CancellationToken cancellationToken)
    {
        var english = new EnglishCorpus(cacheRoot);
        var manifest = english.Existing() ?? english.Build(log, cancellationToken);
        var trainSentences = Sentences(Path.Combine(english.OutputDirectory, manifest.Train.File));
        log($"{trainSentences.Count:N0} speakable sentences in the English corpus's training text");
        var foundation = SpeechCorpusBuilder.Build(FoundationDirectory, trainSentences, BuiltInVoices.Foundation, clipsPerVoice, Seed,
            onClip: Every(200, "foundation", log), cancellationToken: cancellationToken);
        var heldOutSentences = Sentences(Path.Combine(english.OutputDirectory, manifest.HeldOut.File));
        var random = new Random(Seed);
        var creators = new List<string>();
        foreach (var creator in BuiltInVoices.Creators)
        {
            var sentences = heldOutSentences.ToArray();
            random.Shuffle(sentences);
            CreatorRecordingsWriter.Write(CreatorDirectory(creator), creator, sentences, creatorClips, onClip: Every(50, creator.Id, log),
                cancellationToken: cancellationToken);
            creators.Add(CreatorDirectory(creator));
        }
        return (foundation, creators);
    }

    static List<string> Sentences(string file) => [.. SentencePicker.Pick(File.ReadAllText(file))];

    static Action<int, int> Every(int clips, string what, Action<string> log) => (done, total) =>
    {
        if (done % clips == 0 || done == total) log($"{what}: {done:N0} of {total:N0} clips");
    };
}
