using Twinforge.Registry;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;
using Twinforge.Twins.Voice;
using Twinforge.Voice.Corpus;
using Twinforge.Voice.Model;
using Twinforge.Voice.Synthesis;
using Twinforge.Voice.Training;

namespace Twinforge.Twins.Tests.Voice;

/// <summary>Voice twins in the registry: voice consent required first, a version with its adapter, and withdrawal erasing recordings, versions and adapters.</summary>
[Collection("Torch")]
public sealed class VoiceTwinsTests
{
    static readonly string[] Sentences =
    [
        "The old clock on the wall struck nine.", "She walked slowly along the quiet river.", "A cold wind blew across the open field.",
        "They found the letter under the kitchen table.", "We waited by the gate until the rain stopped.",
    ];

    static void RequireSpeechTools()
    {
        foreach (var program in new[] { "espeak-ng", "flite" })
        {
            bool installed = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, program)));
            if (!installed && Environment.GetEnvironmentVariable("CI") == "true") Assert.Fail($"CI=true but {program} is not installed (scripts/setup.sh installs it)");
            Skip.IfNot(installed, $"{program} is not installed (scripts/setup.sh installs it as root)");
        }
    }

    static string Foundation(string root)
    {
        var directory = Path.Combine(root, "voice-foundation");
        var config = new AcousticModelConfig
        {
            Phonemes = ["<pad>", "<unk>", ".", "@", "D", "'I", "t", "s", "n", "d", "k", "l", "r", "w"], Speakers = ["one", "two"],
            Hidden = 16, Heads = 2, EncoderLayers = 1, DecoderLayers = 1, FilterSize = 32, SpeakerSize = 4,
        };
        using var model = new AcousticModel(config, seed: 2);
        AcousticModelFiles.Save(model, directory);
        return directory;
    }

    [SkippableFact]
    public void A_voice_twin_needs_voice_consent_and_withdrawing_it_erases_the_recordings_the_versions_and_their_adapters()
    {
        RequireSpeechTools();
        using var bench = new TwinWorkbench();
        var voices = new VoiceTwins(bench.Registry, bench.Store, "test");
        var ana = bench.Creator("ana"); // text consent only
        var recordings = Path.Combine(bench.Root, "ana-recordings");
        CreatorRecordingsWriter.Write(recordings, new SynthesisVoice(SynthesisEngine.Flite, "awb"), Sentences, clips: 5);

        var refused = Assert.ThrowsAny<RegistryException>(() => voices.RegisterRecordings(ana.Id, recordings));
        Assert.Contains("no valid 'voice' consent", refused.Message);

        bench.Registry.GiveConsent(ana.Id, ConsentScopes.Voice, "recorded consent to clone her voice");
        var dataset = voices.RegisterRecordings(ana.Id, recordings);
        Assert.Equal(ConsentScopes.Voice, dataset.ConsentScope);
        Assert.Equal(dataset.Id, voices.RegisterRecordings(ana.Id, recordings).Id); // the same recordings, the same dataset
        var foundation = voices.RegisterFoundation(Foundation(bench.Root));
        Assert.Equal(foundation.Id, voices.RegisterFoundation(Foundation(bench.Root)).Id); // the same content, the same base model
        var version = voices.Create(ana.Id, "ana-voice", foundation, dataset, heldOut: 2,
            new AcousticTrainingOptions { Epochs = 3, FramesPerBatch = 1_500, WarmupSteps = 2, Patience = 3 });

        Assert.Equal(VersionStatus.Succeeded, version.Status);
        var adapterHash = Assert.Single(version.Artifacts, a => a.Kind == VoiceTwins.AdapterKind).ContentHash;
        var adapterFile = voices.ExtractAdapter(version, Path.Combine(bench.Root, "served"));
        using (var model = AcousticModelFiles.Load(foundation.Path!))
        using (var adapter = VoiceAdapter.Load(adapterFile, model))
            Assert.Equal(4, adapter.Speaker.shape[0]);
        Assert.Contains("\"kind\":\"voice\"", version.MetricsJson);
        // A text withdrawal leaves the voice alone; the voice withdrawal takes everything built from the recordings.
        bench.Lifecycle.WithdrawConsent(ana.Id, ConsentScopes.Text, "text only");
        Assert.Equal(VersionStatus.Succeeded, bench.Registry.GetVersion(version.Id).Status);

        var withdrawal = bench.Lifecycle.WithdrawConsent(ana.Id, ConsentScopes.Voice, "she withdrew her voice");

        Assert.Contains(version.Id, withdrawal.Audit.DeletedVersionIds);
        Assert.Equal(VersionStatus.Deleted, bench.Registry.GetVersion(version.Id).Status);
        Assert.False(bench.Store.Exists(adapterHash));
        Assert.False(bench.Store.Exists(dataset.StoredArtifactHash!));
        Assert.DoesNotContain(bench.Registry.ListDatasets(ana.Id), d => d.Id == dataset.Id);
        Assert.ThrowsAny<RegistryException>(() => voices.RegisterRecordings(ana.Id, recordings));
    }
}
