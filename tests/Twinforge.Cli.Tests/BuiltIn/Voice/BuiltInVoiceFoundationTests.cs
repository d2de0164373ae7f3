using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Twinforge.Cli.BuiltIn.Voice;
using Twinforge.Engine;
using Twinforge.Voice.Model;
using Twinforge.Voice.Training;

namespace Twinforge.Cli.Tests.BuiltIn.Voice;

public sealed class BuiltInVoiceFoundationTests
{
    [Fact]
    public void A_new_foundation_removes_those_of_earlier_architectures_and_nothing_else()
    {
        using var directory = new TemporaryDirectory();
        string[] earlier = ["foundation-model", "foundation-model-v2"], kept = ["foundation-model-v3", "foundation", "creators", "foundation-model-v3.incomplete", "foundation-models-mine"];
        foreach (var name in earlier.Concat(kept))
        {
            Directory.CreateDirectory(Path.Combine(directory.Path, name));
            File.WriteAllText(Path.Combine(directory.Path, name, "model.safetensors"), "weights");
        }
        var said = new List<string>();

        BuiltInVoiceFoundation.RemoveEarlierArchitectures(directory.Path, Path.Combine(directory.Path, "foundation-model-v3"), said.Add);

        Assert.All(earlier, name => Assert.False(Directory.Exists(Path.Combine(directory.Path, name)), name));
        Assert.All(kept, name => Assert.True(File.Exists(Path.Combine(directory.Path, name, "model.safetensors")), name));
        Assert.Equal(2, said.Count);
        Assert.All(said, line => Assert.Contains("earlier architecture", line));
    }

    static void SaveTiny(string directory, int seed)
    {
        var config = new AcousticModelConfig
        {
            Phonemes = ["<pad>", "<unk>", ".", "a"], Speakers = ["one"], Hidden = 16, Heads = 2, EncoderLayers = 1, DecoderLayers = 1,
            FilterSize = 32, DecoderFilterSize = 16, SpeakerSize = 4, PostNetChannels = 8, PostNetLayers = 2,
        };
        using var model = new AcousticModel(config, seed);
        AcousticModelFiles.Save(model, directory);
    }

    [Fact]
    public void A_published_foundation_is_used_until_one_is_cached_and_only_for_its_architecture()
    {
        using var directory = new TemporaryDirectory();
        SaveTiny(directory.File("trained"), seed: 3);
        var root = directory.File("app");
        var foundation = new BuiltInVoiceFoundation(directory.File("cache"), root);
        Assert.Null(foundation.Existing());

        var marker = JsonNode.Parse(ShippedVoiceFoundation.Publish(directory.File("trained"), BuiltInVoiceFoundation.Architecture, ShippedVoiceFoundation.DirectoryFor(root)))!;

        var shipped = ShippedVoiceFoundation.DirectoryFor(root);
        Assert.Equal(shipped, foundation.Existing());
        Assert.Null(ShippedVoiceFoundation.Find("foundation-model-v2", root));
        Assert.Equal(BuiltInVoiceFoundation.Architecture, marker["architecture"]!.GetValue<string>());
        foreach (var (name, hash) in marker["sha256"]!.AsObject())
            Assert.Equal(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(shipped, name)))).ToLowerInvariant(), hash!.GetValue<string>());
        Assert.Equal(File.ReadAllBytes(Path.Combine(directory.File("trained"), AcousticModelFiles.WeightsFileName)), File.ReadAllBytes(Path.Combine(shipped, AcousticModelFiles.WeightsFileName)));
        using (var loaded = AcousticModelFiles.Load(shipped))
            Assert.Equal(marker["parameters"]!.GetValue<long>(), loaded.parameters().Sum(p => p.numel()));

        // One pre-trained here wins over the shipped one.
        SaveTiny(foundation.ModelDirectory, seed: 4);
        Assert.Equal(foundation.ModelDirectory, foundation.Existing());
    }

    [Fact]
    public void A_broken_shipped_marker_is_an_error_naming_the_file()
    {
        using var directory = new TemporaryDirectory();
        var shipped = ShippedVoiceFoundation.DirectoryFor(directory.Path);
        Directory.CreateDirectory(shipped);
        var marker = Path.Combine(shipped, ShippedVoiceFoundation.MarkerFileName);
        File.WriteAllText(marker, "{ \"architecture\": ");

        var error = Assert.Throws<InputFileException>(() => ShippedVoiceFoundation.Find(BuiltInVoiceFoundation.Architecture, directory.Path));

        Assert.Contains(marker, error.Message);
        Assert.Contains("restore it from the repository", error.Message);
    }

    [Fact]
    public void Continuing_with_no_foundation_cached_or_shipped_says_to_pre_train_first()
    {
        using var directory = new TemporaryDirectory();
        var foundation = new BuiltInVoiceFoundation(directory.File("cache"), directory.File("app"));

        var error = Assert.Throws<BadInputException>(() => foundation.Continue(new AcousticTrainingOptions(), _ => { }, CancellationToken.None));

        Assert.Contains("there is no pre-trained foundation to continue", error.Message);
        Assert.Contains("run 'voice pretrain' first", error.Message);
    }
}

/// <summary>The foundation in models/voice, as the build copies it beside the program: intact, of this architecture, and speaking.</summary>
public sealed class ShippedVoiceFoundationTests
{
    [Fact]
    public void The_shipped_foundation_matches_its_hashes_loads_and_says_a_sentence_about_as_long_as_speech()
    {
        var shipped = ShippedVoiceFoundation.Find(BuiltInVoiceFoundation.Architecture);
        Assert.NotNull(shipped); // models/voice is copied beside the program, and of the program's architecture
        var marker = JsonNode.Parse(File.ReadAllText(Path.Combine(shipped, ShippedVoiceFoundation.MarkerFileName)))!;
        foreach (var (name, hash) in marker["sha256"]!.AsObject())
            Assert.Equal(hash!.GetValue<string>(), Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(shipped, name)))).ToLowerInvariant());

        using var model = AcousticModelFiles.Load(shipped);
        Assert.Equal(marker["parameters"]!.GetValue<long>(), model.parameters().Sum(p => p.numel()));
        var config = model.Config;
        string[] phonemes = ["h", "@", "l", "'oU"]; // "hello", as espeak-ng writes it
        Assert.All(phonemes, phoneme => Assert.NotEqual(AcousticModelConfig.Unknown, config.PhonemeId(phoneme)));
        int pause = config.PhonemeId(Twinforge.Voice.Phonemes.Phonemiser.Pause);
        using var speaker = model.SpeakerTable[0];
        using var frames = model.Synthesise([pause, .. phonemes.Select(config.PhonemeId), pause], speaker);
        Assert.Equal(config.MelBins, frames.shape[1]);
        Assert.InRange(frames.shape[0] / Twinforge.Voice.Features.MelSettings.Default.FramesPerSecond, 0.2, 2.0);
    }
}
