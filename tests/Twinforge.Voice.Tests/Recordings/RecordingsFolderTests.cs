using Twinforge.Engine;
using Twinforge.Voice.Audio;
using Twinforge.Voice.Recordings;

namespace Twinforge.Voice.Tests.Recordings;

public sealed class RecordingsFolderTests
{
    const string Sentence = "The quick brown fox jumps over the lazy dog."; // 35 letters: about 2.5 seconds spoken

    static void Clip(TemporaryDirectory directory, string id, Waveform audio, string? transcript = Sentence)
    {
        WavFile.Write(directory.File(id + ".wav"), audio);
        if (transcript is not null) File.WriteAllText(directory.File(id + ".txt"), transcript);
    }

    [Fact]
    public void Clips_with_a_transcript_beside_each_are_read_in_name_order()
    {
        using var directory = new TemporaryDirectory();
        Clip(directory, "b", Tones.Tone(2.5));
        Clip(directory, "a", Tones.Tone(3.0), transcript: "  Another sentence, said a little slower.\n");
        File.WriteAllText(directory.File("c.lab"), "A label file works as well as a text file.");
        WavFile.Write(directory.File("c.wav"), Tones.Tone(2.0));

        var clips = RecordingsFolder.Read(directory.Path);

        Assert.Equal(["a", "b", "c"], clips.Select(clip => clip.Id));
        Assert.Equal("Another sentence, said a little slower.", clips[0].Transcript);
        Assert.Equal(3.0, clips[0].Audio.Seconds, 3);
    }

    [Fact]
    public void A_metadata_csv_gives_the_transcripts_and_its_normalised_column_wins()
    {
        using var directory = new TemporaryDirectory();
        Clip(directory, "one", Tones.Tone(2.5), transcript: null);
        Clip(directory, "two", Tones.Tone(2.5), transcript: null);
        File.WriteAllText(directory.File("metadata.csv"), $"one|{Sentence}\ntwo.wav|Dr. Smith paid 3 dollars today.|Doctor Smith paid three dollars today.\n");

        var clips = RecordingsFolder.Read(directory.Path);

        Assert.Equal(Sentence, clips[0].Transcript);
        Assert.Equal("Doctor Smith paid three dollars today.", clips[1].Transcript);
    }

    [Fact]
    public void Every_bad_clip_in_the_folder_is_reported_at_once_each_naming_its_file()
    {
        using var directory = new TemporaryDirectory();
        Clip(directory, "good", Tones.Tone(2.5));
        Clip(directory, "untranscribed", Tones.Tone(2.5), transcript: null);
        Clip(directory, "silent", new Waveform(new float[40_000], 16_000));
        Clip(directory, "hiss", Tones.Tone(2.5, amplitude: 0.0005f));
        Clip(directory, "clipped", Tones.Tone(2.5, amplitude: 3f));
        Clip(directory, "hurried", Tones.Tone(0.5));
        Clip(directory, "rambling", Tones.Tone(25));
        Clip(directory, "blip", Tones.Tone(0.1), transcript: "Hi.");
        Clip(directory, "empty", Tones.Tone(2.5), transcript: "  ");
        File.WriteAllText(directory.File("garbage.wav"), "not audio");
        File.WriteAllText(directory.File("garbage.txt"), Sentence);

        var error = Assert.Throws<InputFileException>(() => RecordingsFolder.Read(directory.Path));

        string Problem(string id) => Assert.Single(error.Errors, e => e.FilePath == directory.File(id + ".wav")).Problem;
        Assert.Contains("has no transcript: write what is said in untranscribed.txt", Problem("untranscribed"));
        Assert.Equal("is silent (every sample is zero)", Problem("silent"));
        Assert.StartsWith("is silent (level -69 dBFS", Problem("hiss"));
        Assert.StartsWith("is clipped:", Problem("clipped"));
        Assert.StartsWith("is too short for its transcript: 0.50 s for 35 letters", Problem("hurried"));
        Assert.StartsWith("is too long for its transcript: 25.0 s for 35 letters", Problem("rambling"));
        Assert.StartsWith("is too short to learn a voice from (0.10 s", Problem("blip"));
        Assert.Equal("has an empty transcript", Problem("empty"));
        Assert.StartsWith("is not a WAV file", Problem("garbage"));
        Assert.DoesNotContain(error.Errors, e => e.FilePath == directory.File("good.wav"));
        Assert.Equal(9, error.Errors.Count);
    }

    [Fact]
    public void A_metadata_line_naming_a_missing_clip_or_without_a_transcript_names_its_line()
    {
        using var directory = new TemporaryDirectory();
        Clip(directory, "one", Tones.Tone(2.5), transcript: null);
        Clip(directory, "two", Tones.Tone(2.5), transcript: null);
        File.WriteAllText(directory.File("metadata.csv"), $"one|{Sentence}\nthree|{Sentence}\ntwo\n");

        var error = Assert.Throws<InputFileException>(() => RecordingsFolder.Read(directory.Path));

        var metadata = directory.File("metadata.csv");
        Assert.Contains(error.Errors, e => e.FilePath == metadata && e.Line == 2 && e.Problem.Contains("'three' with no three.wav"));
        Assert.Contains(error.Errors, e => e.FilePath == metadata && e.Line == 3 && e.Problem == "is not 'id|transcript' (no '|' between the clip's name and what is said)");
        Assert.Contains(error.Errors, e => e.FilePath == directory.File("two.wav") && e.Problem.Contains("add a line 'two|what is said' to metadata.csv"));
    }

    [Fact]
    public void A_folder_without_wav_files_is_an_error_naming_it()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("readme.txt"), "nothing here");

        var error = Assert.Throws<BadInputException>(() => RecordingsFolder.Read(directory.Path));

        Assert.Contains(directory.Path, error.Message);
        Assert.Contains("no .wav files", error.Message);
    }
    [Fact]
    public void A_file_that_is_not_audio_is_reported_as_such_even_without_its_transcript()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("notes.wav"), "a text file named like a clip");

        var error = Assert.Throws<InputFileException>(() => RecordingsFolder.Read(directory.Path));

        var problems = error.Errors.Where(e => e.FilePath == directory.File("notes.wav")).Select(e => e.Problem).ToList();
        Assert.Equal(2, problems.Count);
        Assert.StartsWith("is not a WAV file", problems[0]);
        Assert.StartsWith("has no transcript", problems[1]);
    }

    [Fact]
    public void A_file_given_as_the_folder_is_called_a_file()
    {
        using var directory = new TemporaryDirectory();
        var clip = directory.File("one.wav");
        WavFile.Write(clip, Tones.Tone(2.5));

        var error = Assert.Throws<BadInputException>(() => RecordingsFolder.Read(clip));

        Assert.Contains($"{clip}: is a file, not a folder of recordings", error.Message);
    }
}
