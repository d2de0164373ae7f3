using Twinforge.Engine;
using Twinforge.Engine.Checkpoints;
using Twinforge.Voice.Model;
using Twinforge.Voice.Training;
using static TorchSharp.torch;

namespace Twinforge.Voice.Tests.Training;

public sealed class VoiceAdapterTests
{
    /// <summary>A tiny model as a loaded one is: in evaluation mode (no dropout), so it speaks the same every time.</summary>
    static AcousticModel Tiny()
    {
        var model = new AcousticModel(new AcousticModelConfig
        {
            Phonemes = ["<pad>", "<unk>", "a", "b"], Speakers = ["one", "two"], Hidden = 16, Heads = 2, EncoderLayers = 1, DecoderLayers = 1,
            FilterSize = 32, DecoderFilterSize = 16, SpeakerSize = 4, MelBins = 6, PostNetChannels = 8, PostNetLayers = 2,
        }, seed: 1);
        model.eval();
        return model;
    }

    /// <summary>Puts a random update of <paramref name="rank"/> on every adaptable layer (what adaptation would train).</summary>
    static void Perturb(AcousticModel model, int rank)
    {
        using var generator = new Generator(5);
        foreach (var (_, layer) in model.AdaptableLayers)
        {
            var update = layer.BeginUpdate(rank, generator);
            using (no_grad()) update.B.normal_(0, 0.1, generator);
        }
    }

    [Fact]
    public void Every_layer_but_the_aligners_is_adaptable()
    {
        using var model = Tiny();
        var names = model.AdaptableLayers.Select(l => l.Name).ToList();
        Assert.Contains("decoder.0.widen", names);
        Assert.Contains("postNet.layers.1", names);
        Assert.Contains("durationPredictor.first", names);
        Assert.Contains("melOut", names);
        Assert.DoesNotContain(names, name => name.StartsWith("aligner", StringComparison.Ordinal));
    }

    [Fact]
    public void A_saved_voice_loads_with_its_layer_updates_and_speaks_the_same()
    {
        using var directory = new TemporaryDirectory();
        using var model = Tiny();
        using var pristine = VoiceAdapter.Capture(model, model.SpeakerTable[0]);
        Assert.Equal(0, pristine.Rank);
        Perturb(model, rank: 3);
        using var voice = VoiceAdapter.Capture(model, model.SpeakerTable[1]);
        Assert.Equal(3, voice.Rank);
        Assert.Equal(model.AdaptableLayers.Count, voice.Updates.Count);
        using var spoken = model.Synthesise([2, 3, 2], voice.Speaker);
        var path = directory.File(VoiceAdapter.WeightsFileName);
        voice.Save(path);

        pristine.ApplyTo(model); // the pre-trained layers: every update gone
        Assert.All(model.AdaptableLayers, l => Assert.Null(l.Layer.Update));
        using (var plain = model.Synthesise([2, 3, 2], voice.Speaker))
            Assert.False(plain.shape.SequenceEqual(spoken.shape) && plain.allclose(spoken), "the updates changed nothing");

        using var loaded = VoiceAdapter.Load(path, model);
        Assert.Equal(voice.Updates.Keys.Order(), loaded.Updates.Keys.Order());
        loaded.ApplyTo(model);
        using var again = model.Synthesise([2, 3, 2], loaded.Speaker);
        Assert.True(again.shape.SequenceEqual(spoken.shape) && again.allclose(spoken), "the loaded voice speaks differently");
    }

    [Fact]
    public void An_update_that_does_not_fit_or_is_half_there_is_an_error_naming_the_file_and_layer()
    {
        using var directory = new TemporaryDirectory();
        using var model = Tiny();
        using var voice = VoiceAdapter.Capture(model, model.SpeakerTable[0]);
        var tensors = voice.Norms.Append(new("speaker", voice.Speaker)).ToList();

        var misfit = directory.File("misfit.safetensors");
        using (var a = zeros(2, 5))
        using (var b = zeros(6, 2))
            SafetensorsWriter.Write(misfit, tensors.Append(new("melOut.lora_A", a)).Append(new("melOut.lora_B", b)));
        var error = Assert.Throws<InputFileException>(() => VoiceAdapter.Load(misfit, model));
        Assert.Equal(misfit, error.FilePath);
        Assert.Equal("melOut", error.Item);
        Assert.Contains("[6, 16]", error.Message);

        var half = directory.File("half.safetensors");
        using (var a = zeros(2, 16)) SafetensorsWriter.Write(half, tensors.Append(new("melOut.lora_A", a)));
        error = Assert.Throws<InputFileException>(() => VoiceAdapter.Load(half, model));
        Assert.Equal("melOut", error.Item);
    }

    [Fact]
    public void A_long_text_is_spoken_piece_by_piece_and_a_short_one_as_one_call_framed_by_pauses()
    {
        using var model = Tiny();
        using var speaker = model.SpeakerTable[0].clone();
        var pause = model.Config.PhonemeId(Twinforge.Voice.Phonemes.Phonemiser.Pause);

        using var whole = model.SynthesiseText(["a", "b"], speaker);
        using var direct = model.Synthesise([pause, 2, 3, pause], speaker);
        string[] longText = [.. Enumerable.Repeat(new[] { "a", " ", "b", "." }, 30).SelectMany(p => p)];
        using var pieced = model.SynthesiseText(longText, speaker, maxPhonemes: 8);
        using var first = model.Synthesise([pause, 2, model.Config.PhonemeId(" "), 3, pause, 2, model.Config.PhonemeId(" "), 3, pause], speaker);

        Assert.True(whole.allclose(direct), "a text that fits is one call, as before");
        Assert.Equal(whole.shape[1], pieced.shape[1]);
        // The pieces' frames follow one another: the first piece's come first, unchanged.
        Assert.True(pieced.narrow(0, 0, first.shape[0]).allclose(first));
        Assert.True(pieced.shape[0] > 10 * first.shape[0]);
        Assert.Throws<ArgumentException>(() => model.SynthesiseText(["."], speaker));
    }
}
