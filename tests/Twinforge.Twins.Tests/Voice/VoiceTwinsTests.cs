using Twinforge.Tests.Shared;
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
        "The children ran down the hill to the lake.", "He read the paper twice before he spoke.",
    ];

    static void RequireSpeechTools() => SpeechTools.Require("espeak-ng", "flite");

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
        CreatorRecordingsWriter.Write(recordings, new SynthesisVoice(SynthesisEngine.Flite, "awb"), Sentences[..5], clips: 5);

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

    [SkippableFact]
    public void An_update_adapts_the_next_version_on_the_grown_recordings_judges_it_against_its_parent_and_promotes_only_a_better_one()
    {
        RequireSpeechTools();
        using var bench = new TwinWorkbench();
        var voices = new VoiceTwins(bench.Registry, bench.Store, "test");
        var ana = bench.Creator("ana");
        bench.Registry.GiveConsent(ana.Id, ConsentScopes.Voice, "recorded consent to clone her voice");
        var voice = new SynthesisVoice(SynthesisEngine.Flite, "awb");
        var first = Path.Combine(bench.Root, "first");
        CreatorRecordingsWriter.Write(first, voice, Sentences[..5], clips: 5);
        var grown = Path.Combine(bench.Root, "grown");
        CreatorRecordingsWriter.Write(grown, voice, Sentences, clips: 7);
        var foundation = voices.RegisterFoundation(Foundation(bench.Root));
        var options = new AcousticTrainingOptions { Epochs = 3, FramesPerBatch = 1_500, WarmupSteps = 2, Patience = 3 };
        var v1 = voices.Create(ana.Id, "ana-voice", foundation, voices.RegisterRecordings(ana.Id, first), heldOut: 2, options);
        var recordings = voices.RegisterRecordings(ana.Id, grown);

        var update = voices.Update(v1.TwinId, recordings, heldOut: 2, promoteTo: "production", options);

        Assert.Equal((2, 1, VersionStatus.Succeeded), (update.Version.Number, update.ParentNumber, update.Version.Status));
        Assert.Equal(v1.Id, update.Version.ParentVersionId);
        Assert.Equal(recordings.Id, Assert.Single(update.Version.Datasets).DatasetId);
        Assert.NotNull(update.ParentLoss);
        Assert.Contains("\"previous_version\":1", update.Version.MetricsJson);
        // Promoted exactly when it beat its parent on the same held-out clips, and the verdict says which.
        Assert.Equal(update.Loss < update.ParentLoss - VoiceTwins.DefaultMargin, update.Promoted);
        Assert.Contains(update.Promoted ? ": better" : "not better", update.Verdict);
        var production = bench.Registry.ListAliases(v1.TwinId).SingleOrDefault(alias => alias.Name == "production");
        Assert.Equal(update.Promoted, production?.VersionId == update.Version.Id);
        // The same recordings again train the same adapter (seeded): no better than its parent, so the alias stays.
        var again = voices.Update(v1.TwinId, recordings, heldOut: 2, promoteTo: "production", options);
        Assert.Equal(update.Loss, again.ParentLoss!.Value, 5);
        Assert.False(again.Promoted);
        // "left where it was" only when the alias exists: the first update may not have set it.
        Assert.Contains("not better by more than 0.001; " + (production is null ? "'production' not set" : "'production' left where it was"), again.Verdict);
        Assert.Equal(production?.VersionId, bench.Registry.ListAliases(v1.TwinId).SingleOrDefault(alias => alias.Name == "production")?.VersionId);
        // A negative margin tolerates a regression: promoted then, and the verdict says it was not better and where the alias went.
        var tolerated = voices.Update(v1.TwinId, recordings, heldOut: 2, promoteTo: "production", options, margin: -1);
        Assert.True(tolerated.Promoted);
        Assert.Contains("not better, but within the tolerated regression of 1; 'production' moved to version 4", tolerated.Verdict);

        // Withdrawal takes both versions and both recordings.
        var withdrawal = bench.Lifecycle.WithdrawConsent(ana.Id, ConsentScopes.Voice, "she withdrew her voice");
        Assert.Contains(v1.Id, withdrawal.Audit.DeletedVersionIds);
        Assert.Contains(update.Version.Id, withdrawal.Audit.DeletedVersionIds);
        Assert.Contains(again.Version.Id, withdrawal.Audit.DeletedVersionIds);
        Assert.Contains(tolerated.Version.Id, withdrawal.Audit.DeletedVersionIds);
        Assert.DoesNotContain(bench.Registry.ListDatasets(ana.Id), d => d.ConsentScope == ConsentScopes.Voice);
    }

    [Fact]
    public void Speaking_with_a_text_twin_is_refused_saying_it_is_a_text_twin()
    {
        using var bench = new TwinWorkbench();
        var ana = bench.Creator("ana");
        var text = bench.Lifecycle.CreateTwin(ana.Id, "ana-style", bench.BaseModel, bench.Data(ana, "spring", 30), heldOut: null, TwinWorkbench.Recipe);

        var refused = Assert.ThrowsAny<RegistryException>(() =>
            new VoiceTwins(bench.Registry, bench.Store, "test").ExtractAdapter(text.Version, Path.Combine(bench.Root, "voice")));

        Assert.Equal("twin 'ana-style' is a text twin, not a voice twin: give one made by 'twinforge voice create'", refused.Message);
    }
}
