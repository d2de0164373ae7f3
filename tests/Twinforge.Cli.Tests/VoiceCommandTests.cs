using Twinforge.Tests.Shared;
using Twinforge.Voice.Audio;

namespace Twinforge.Cli.Tests;

/// <summary><c>twinforge voice check</c>: a creator's usable recordings summarised; every bad clip reported with its file, exit 2.</summary>
public sealed class VoiceCommandTests
{
    static Waveform Tone(double seconds, float amplitude = 0.3f) =>
        new(Enumerable.Range(0, (int)(seconds * 16_000)).Select(i => (float)(amplitude * Math.Sin(2 * Math.PI * 200 * i / 16_000))).ToArray(), 16_000);

    [Fact]
    public void Check_summarises_usable_recordings()
    {
        using var directory = new TemporaryDirectory();
        WavFile.Write(directory.File("a.wav"), Tone(3));
        WavFile.Write(directory.File("b.wav"), Tone(3));
        File.WriteAllText(directory.File("metadata.csv"), "a|The old clock on the wall struck nine.\nb|She walked slowly along the quiet river.\n");

        var (exitCode, output, error) = CliTesting.Run("voice", "check", directory.Path);

        Assert.True(exitCode == 0, error);
        Assert.Contains("2 clips, 0.1 minutes, all usable (16,000 Hz)", output);
    }

    [Fact]
    public void Check_names_every_bad_clip_and_exits_with_the_input_error_code()
    {
        using var directory = new TemporaryDirectory();
        WavFile.Write(directory.File("a.wav"), Tone(3));
        WavFile.Write(directory.File("quiet.wav"), new Waveform(new float[48_000], 16_000));
        File.WriteAllText(directory.File("metadata.csv"), "a|The old clock on the wall struck nine.\n");

        var (exitCode, _, error) = CliTesting.Run("voice", "check", directory.Path);

        Assert.Equal(2, exitCode);
        Assert.Contains($"{directory.File("quiet.wav")}: has no transcript: add a line 'quiet|what is said' to metadata.csv", error);
    }

    [Fact]
    public void Adapt_and_say_refuse_what_would_destroy_a_users_files_and_bad_values_before_any_work()
    {
        using var directory = new TemporaryDirectory();
        WavFile.Write(directory.File("a.wav"), Tone(3));
        File.WriteAllText(directory.File("metadata.csv"), "a|The old clock on the wall struck nine.\n");
        WavFile.Write(directory.File("mine.wav"), Tone(1));
        var before = File.ReadAllBytes(directory.File("mine.wav"));

        // The recordings' folder as the voice's: it would be replaced whole, recordings and all.
        var (exitCode, _, error) = CliTesting.Run("voice", "adapt", "--recordings", directory.Path, "--output", directory.Path, "--foundation", directory.File("none"));
        Assert.Equal(2, exitCode);
        Assert.Contains($"--output: {directory.Path} holds files a voice is not (a.wav, metadata.csv, mine.wav)", error);
        (exitCode, _, error) = CliTesting.Run("voice", "adapt", "--recordings", directory.Path, "--output", directory.File("v"), "--seconds", "0");
        Assert.Equal(2, exitCode);
        Assert.Contains("--seconds: must be above 0, got 0", error);
        // say: an existing file only with --force, a directory never, and something to say.
        (exitCode, _, error) = CliTesting.Run("voice", "say", "Hello.", "-o", directory.File("mine.wav"));
        Assert.Equal(2, exitCode);
        Assert.Contains($"--output: {directory.File("mine.wav")} exists; --force replaces it", error);
        (exitCode, _, error) = CliTesting.Run("voice", "say", "Hello.", "-o", directory.Path);
        Assert.Equal(2, exitCode);
        Assert.Contains("is a directory: give the file to write", error);
        (exitCode, _, error) = CliTesting.Run("voice", "say", " ", "-o", directory.File("new.wav"));
        Assert.Equal(2, exitCode);
        Assert.Contains("text: it is empty", error);
        (exitCode, _, error) = CliTesting.Run("voice", "say", "Hello.", "-o", directory.File("hello.mp3"));
        Assert.Equal(2, exitCode);
        Assert.Contains("--output: hello.mp3: say writes WAV audio (16-bit mono PCM); name the file .wav", error);
        // A voice or foundation that is not there: said as the option's problem, before any work.
        (exitCode, _, error) = CliTesting.Run("voice", "say", "Hello.", "--voice", directory.File("v"), "-o", directory.File("new.wav"));
        Assert.Equal(2, exitCode);
        Assert.Contains($"--voice: {Path.Combine(directory.File("v"), "voice.json")}: does not exist", error);
        (exitCode, _, error) = CliTesting.Run("voice", "adapt", "--recordings", directory.Path, "--output", directory.File("v"), "--foundation", directory.File("none"));
        Assert.Equal(2, exitCode);
        Assert.Contains($"--foundation: {directory.File("none")} is not an acoustic model directory (it does not exist)", error);
        (exitCode, _, error) = CliTesting.Run("voice", "say", "Hello.", "--voice", directory.File("v"), "--speaker", "flite-slt", "-o", directory.File("new.wav"));
        Assert.Equal(2, exitCode);
        Assert.Contains("--speaker and --voice name two voices: give one", error);
        // study: never into the recordings (it wrote its listen/ folder there), an earlier study only with --force.
        (exitCode, _, error) = CliTesting.Run("voice", "study", "--output", directory.Path);
        Assert.Equal(2, exitCode);
        Assert.Contains($"{directory.Path} is not empty and holds no Twinforge voice study (a.wav, metadata.csv, mine.wav)", error);
        using var earlier = new TemporaryDirectory();
        File.WriteAllText(earlier.File("study.json"), "{}");
        (exitCode, _, error) = CliTesting.Run("voice", "study", "--output", earlier.Path);
        Assert.Equal(2, exitCode);
        Assert.Contains($"{earlier.Path} already holds a voice study: --force to replace it, or choose another --output", error);
        Assert.Equal("{}", File.ReadAllText(earlier.File("study.json")));
        (exitCode, _, error) = CliTesting.Run("voice", "study", "--held-out", "200", "--output", Path.Combine(earlier.Path, "new"));
        Assert.Equal(2, exitCode);
        Assert.Contains("--held-out: a built-in creator has 130 clips; holding out 200 leaves none to adapt on", error);
        Assert.Equal(before, File.ReadAllBytes(directory.File("mine.wav")));
        Assert.Equal(["a.wav", "metadata.csv", "mine.wav"], Directory.EnumerateFileSystemEntries(directory.Path).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Pretrain_continue_does_not_go_with_force()
    {
        using var cache = new TemporaryDirectory();

        var (exitCode, _, error) = CliTesting.Run("voice", "pretrain", "--continue", "--force", "--cache", cache.Path);

        Assert.Equal(2, exitCode);
        Assert.Contains("--continue trains the cached foundation further and --force trains a new one", error);
        Assert.Empty(Directory.EnumerateFiles(cache.Path, "*.safetensors", SearchOption.AllDirectories));
    }

    [Fact]
    public void Pretrain_refuses_a_learning_rate_outside_zero_to_one_before_anything_else()
    {
        using var cache = new TemporaryDirectory();

        var (exitCode, _, error) = CliTesting.Run("voice", "pretrain", "--learning-rate", "0", "--cache", cache.Path);

        Assert.Equal(2, exitCode);
        Assert.Contains("--learning-rate 0: give a rate between 0 and 1", error);
    }
}

/// <summary><c>twinforge voice adapt</c> and <c>voice say</c> on a tiny foundation and a folder of flite's awb (espeak-ng phonemises).</summary>
public sealed class VoiceAdaptCommandTests
{
    [SkippableFact]
    [Trait("Category", "Slow")]
    public void Adapt_writes_a_voice_that_say_speaks_with()
    {
        SpeechTools.Require("espeak-ng", "flite");
        using var directory = new TemporaryDirectory();
        var recordings = directory.File("awb");
        string[] sentences =
        [
            "The old clock on the wall struck nine.", "She walked slowly along the quiet river.", "A cold wind blew across the open field.",
            "They found the letter under the kitchen table.", "We waited by the gate until the rain stopped.",
        ];
        Twinforge.Voice.Corpus.CreatorRecordingsWriter.Write(recordings, new Twinforge.Voice.Synthesis.SynthesisVoice(Twinforge.Voice.Synthesis.SynthesisEngine.Flite, "awb"), sentences, clips: 5);
        var config = new Twinforge.Voice.Model.AcousticModelConfig
        {
            Phonemes = ["<pad>", "<unk>", ".", "@", "D", "'I", "t", "s", "n", "d", "k", "l", "r", "w"], Speakers = ["one", "two"],
            Hidden = 16, Heads = 2, EncoderLayers = 1, DecoderLayers = 1, FilterSize = 32, SpeakerSize = 4,
        };
        using (var foundation = new Twinforge.Voice.Model.AcousticModel(config, seed: 2))
            Twinforge.Voice.Model.AcousticModelFiles.Save(foundation, directory.File("foundation"));

        var (exitCode, output, error) = CliTesting.Run("voice", "adapt", "--recordings", recordings, "--foundation", directory.File("foundation"),
            "--output", directory.File("voice"), "--held-out", "2");

        Assert.True(exitCode == 0, error + output);
        Assert.Contains("adapting on 3 clips", output);
        var record = Twinforge.Voice.Training.VoiceRecord.Load(directory.File("voice"));
        Assert.True(record.AdaptedHeldOutMelLoss <= record.UnadaptedHeldOutMelLoss, output);
        Assert.Equal(directory.File("foundation"), record.Foundation);
        Assert.Equal(Twinforge.Voice.Training.VoiceAdaptation.DefaultOptions.AdapterRank, record.AdapterRank);
        Assert.True(File.Exists(Path.Combine(directory.File("voice"), Twinforge.Voice.Training.VoiceAdapter.WeightsFileName)));
        // --rank 0: the speaker vector and norms alone, as voices were adapted before the layers' updates.
        (exitCode, output, error) = CliTesting.Run("voice", "adapt", "--recordings", recordings, "--foundation", directory.File("foundation"),
            "--output", directory.File("voice-norms"), "--held-out", "2", "--rank", "0");
        Assert.True(exitCode == 0, error + output);
        Assert.Equal(0, Twinforge.Voice.Training.VoiceRecord.Load(directory.File("voice-norms")).AdapterRank);
        using (var model = Twinforge.Voice.Model.AcousticModelFiles.Load(directory.File("foundation")))
        using (var normsOnly = Twinforge.Voice.Training.VoiceAdapter.Load(Path.Combine(directory.File("voice-norms"), Twinforge.Voice.Training.VoiceAdapter.WeightsFileName), model))
            Assert.Empty(normsOnly.Updates);

        (exitCode, output, error) = CliTesting.Run("voice", "say", "--voice", directory.File("voice"), "The rain stopped.", "-o", directory.File("said.wav"));

        Assert.True(exitCode == 0, error + output);
        var said = WavFile.Read(directory.File("said.wav"));
        Assert.True(said.Seconds > 0.1, $"{said.Seconds} s");
        // An earlier voice is replaced only with --force; a long text is spoken clause by clause into one file.
        string[] again = ["voice", "adapt", "--recordings", recordings, "--foundation", directory.File("foundation"), "--output", directory.File("voice"), "--held-out", "2"];
        (exitCode, _, error) = CliTesting.Run(again);
        Assert.Equal(2, exitCode);
        Assert.Contains("already holds a voice: add --force to replace it", error);
        Assert.Equal(0, CliTesting.Run([.. again, "--force"]).ExitCode);
        var longText = string.Join(" ", Enumerable.Repeat("The rain stopped by the old gate, and we walked home.", 40));
        (exitCode, output, error) = CliTesting.Run("voice", "say", "--voice", directory.File("voice"), longText, "-o", directory.File("said.wav"), "--force");
        Assert.True(exitCode == 0, error + output);
        Assert.True(WavFile.Read(directory.File("said.wav")).Seconds > 20 * said.Seconds, output);

        // The same recordings as a voice twin in a registry: refused without voice consent, then created, spoken, and erased by withdrawal.
        string[] registry = ["--registry", directory.File("registry.db")];
        Assert.Equal(0, CliTesting.Run(["creator", "add", "ana", .. registry]).ExitCode);
        string[] create = ["voice", "create", "ana-voice", "--creator", "ana", "--recordings", recordings, "--foundation", directory.File("foundation"), "--held-out", "2", .. registry];
        (exitCode, _, error) = CliTesting.Run(create);
        Assert.Equal(2, exitCode);
        Assert.Contains("no valid 'voice' consent", error);
        Assert.Equal(0, CliTesting.Run(["creator", "consent", "ana", "--scope", "voice", "--note", "recorded", .. registry]).ExitCode);
        (exitCode, output, error) = CliTesting.Run(create);
        Assert.True(exitCode == 0, error + output);
        Assert.Matches(@"voice twin 'ana-voice' version 1: succeeded, held-out mel loss \d\.\d{4} on 2 held-out clips \(the foundation unadapted: \d\.\d{4}; .*\), adapted on \d+ clips for \d+ epochs", output);
        (exitCode, output, error) = CliTesting.Run(["voice", "say", "--twin", "ana-voice", "The rain stopped by the old gate.", "-o", directory.File("twin.wav"), .. registry]);
        Assert.True(exitCode == 0, error + output);
        Assert.True(WavFile.Read(directory.File("twin.wav")).Seconds > 0.1);
        // An update on the same recordings trains the same adapter: version 2 is recorded, judged no better, not promoted.
        (exitCode, output, error) = CliTesting.Run(["voice", "update", "ana-voice", "--recordings", recordings, "--held-out", "2", "--promote-to", "production", .. registry]);
        Assert.True(exitCode == 0, error + output);
        Assert.Contains("voice twin 'ana-voice' version 2 (from version 1): held-out mel loss", output);
        Assert.Contains("not better by more than 0.001; 'production' not set", output); // created without an alias, and not promoted now
        (exitCode, output, error) = CliTesting.Run(["twin", "show", "ana-voice", .. registry]);
        Assert.True(exitCode == 0, error + output);
        Assert.Contains("voice: first version (unadapted", output);
        Assert.Matches(@"voice: not better than version 1 \(\d\.\d{4} on these clips\)", output);
        (exitCode, output, error) = CliTesting.Run(["voice", "say", "--twin", "ana-voice", "--version", "2", "Hello.", "-o", directory.File("v2.wav"), .. registry]);
        Assert.True(exitCode == 0, error + output);
        Assert.Equal(0, CliTesting.Run(["creator", "withdraw", "ana", "--scope", "voice", "--reason", "asked", .. registry]).ExitCode);
        (exitCode, _, error) = CliTesting.Run(["voice", "say", "--twin", "ana-voice", "Hello.", "-o", directory.File("gone.wav"), .. registry]);
        Assert.NotEqual(0, exitCode);
        Assert.False(File.Exists(directory.File("gone.wav")));
    }
}
