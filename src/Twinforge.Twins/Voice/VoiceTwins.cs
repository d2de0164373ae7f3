using System.Globalization;
using System.Text.Json;
using Twinforge.Registry;
using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;
using Twinforge.Voice.Features;
using Twinforge.Voice.Model;
using Twinforge.Voice.Recordings;
using Twinforge.Voice.Training;

namespace Twinforge.Twins.Voice;

/// <summary>
/// Voice twins in the registry, beside text twins: a creator's recordings registered as a dataset under the
/// <see cref="ConsentScopes.Voice"/> scope (a voice is biometric data: refused without that consent recorded first),
/// the foundation as a base model, and each version's voice adapter as an artifact. Withdrawing the creator's voice
/// consent deletes the recordings, every version built from them and their adapters, as for text.
/// </summary>
public sealed class VoiceTwins(ITwinRegistry registry, IArtifactStore store, string actor)
{
    public const string AdapterKind = "voice-adapter";
    public const string Architecture = "twinforge-fastspeech2-adaspeech";

    /// <summary>How much lower an update's held-out mel loss must be to count as better: about a tenth of what 8 s of adaptation gains.</summary>
    public const double DefaultMargin = 0.001;

    /// <summary>Checks the recordings (every problem at once), then stores a copy and registers it; the same recordings again return the same dataset.</summary>
    /// <exception cref="RegistryException">The creator has no valid voice consent.</exception>
    public Dataset RegisterRecordings(long creatorId, string directory)
    {
        var creator = registry.GetCreator(creatorId);
        if (!registry.HasValidConsent(creatorId, ConsentScopes.Voice))
            throw new RegistryException($"creator '{creator.Name}' has no valid '{ConsentScopes.Voice}' consent: a voice is biometric data, record explicit consent before adding recordings");
        var clips = RecordingsFolder.Read(directory);
        var files = Directory.EnumerateFiles(directory).Where(IsRecordingFile).Order(StringComparer.Ordinal).ToList();
        var staging = Directory.CreateTempSubdirectory("twinforge-recordings-").FullName;
        try
        {
            foreach (var file in files) File.Copy(file, Path.Combine(staging, Path.GetFileName(file)));
            // Every file's name and bytes, in name order: the same recordings, the same hash.
            var hash = BaseModels.ContentHash(staging);
            if (registry.FindDatasetByHash(creatorId, hash) is { } existing) return existing;
            var stored = store.PutDirectory(staging);
            var statistics = JsonSerializer.Serialize(new { clips = clips.Count, seconds = Math.Round(clips.Sum(clip => clip.Audio.Seconds), 2), files = files.Count });
            return registry.RegisterDataset(new NewDataset(creatorId, hash, ConsentScopes.Voice, [.. files.Select(Path.GetFileName)!], statistics) { StoredArtifactHash = stored });
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>
    /// The foundation as a base model: the one registered with this directory's content (<see cref="BaseModels"/>'
    /// hash, so a changed foundation is caught before adapting on it), else registered as
    /// <c>voice-foundation-HASH</c>.
    /// </summary>
    public BaseModel RegisterFoundation(string directory)
    {
        var full = Path.GetFullPath(directory);
        var hash = BaseModels.ContentHash(full);
        if (registry.ListBaseModels().FirstOrDefault(model => model.ContentHash == hash && model.Path == full) is { } known) return known;
        using var model = AcousticModelFiles.Load(full);
        return registry.CreateBaseModel(new NewBaseModel($"voice-foundation-{hash[..12]}", full, hash, Architecture, model.parameters().Sum(p => p.numel())));
    }

    /// <summary>A new voice twin and its first version: the foundation adapted to the recordings, the last <paramref name="heldOut"/> clips held out.</summary>
    public TwinVersion Create(long creatorId, string name, BaseModel foundation, Dataset recordings, int heldOut = 10, AcousticTrainingOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        RequireRecordings(recordings);
        var twin = registry.CreateTwin(creatorId, name);
        var version = registry.NextVersion(new NewTwinVersion(twin.Id, foundation.Id, [new DatasetUse(recordings.Id, DatasetUse.Train)], Recipe(heldOut), 0, TwinLifecycle.CodeVersion, actor));
        return Adapt(version, foundation, recordings, heldOut, options, previous: null, cancellationToken).Version;
    }

    /// <summary>
    /// The twin's next version, from the creator's recordings as they are now (typically the earlier clips and new
    /// ones): the foundation is adapted afresh on them (adaptation is cheap, and a re-fit on everything cannot drift
    /// the way adapting an adapter again would), its parent the latest succeeded version. Both are judged on the new
    /// version's held-out clips (the recordings' last ones), and with <paramref name="promoteTo"/> the alias moves only
    /// when the new version's held-out loss is lower by more than <paramref name="margin"/>.
    /// </summary>
    /// <param name="margin">The least improvement in held-out mel loss (L1 on log-mel) that counts as better.</param>
    public VoiceUpdate Update(long twinId, Dataset recordings, int heldOut = 10, string? promoteTo = null, AcousticTrainingOptions? options = null,
        double margin = DefaultMargin, CancellationToken cancellationToken = default)
    {
        RequireRecordings(recordings);
        var twin = registry.GetTwin(twinId);
        if (recordings.CreatorId != twin.CreatorId) throw new RegistryException($"dataset {recordings.Id} is another creator's recordings, not those of twin '{twin.Name}'");
        var parent = registry.ListVersions(twinId).Where(v => v.Status == VersionStatus.Succeeded).MaxBy(v => v.Number)
            ?? throw new RegistryException($"voice twin '{twin.Name}' has no succeeded version to update: create it again");
        var foundation = registry.GetBaseModel(parent.BaseModelId);
        var version = registry.NextVersion(new NewTwinVersion(twinId, foundation.Id, [new DatasetUse(recordings.Id, DatasetUse.Train)], Recipe(heldOut), 0,
            TwinLifecycle.CodeVersion, actor) { ParentVersionId = parent.Id });
        var (adapted, loss, parentLoss) = Adapt(version, foundation, recordings, heldOut, options, parent, cancellationToken);
        string verdict;
        bool promoted = false;
        if (parentLoss is not { } before) verdict = $"version {parent.Number} could not be judged";
        else if (loss < before - margin)
        {
            // A negative margin tolerates a regression: then the version may be promoted without being better, and says so.
            verdict = FormattableString.Invariant($"held-out mel loss {loss:F4} against version {parent.Number}'s {before:F4} on the same clips: ") + (loss < before
                ? FormattableString.Invariant($"better by more than {margin}")
                : FormattableString.Invariant($"not better, but within the tolerated regression of {-margin}"));
            if (promoteTo is not null)
            {
                registry.SetAlias(twinId, promoteTo, adapted.Id, actor);
                promoted = true;
                verdict += $"; '{promoteTo}' moved to version {adapted.Number}";
            }
        }
        else verdict = FormattableString.Invariant($"held-out mel loss {loss:F4} against version {parent.Number}'s {before:F4} on the same clips: not better by more than {margin}");
        if (promoteTo is not null && !promoted)
            verdict += registry.ListAliases(twinId).Any(alias => alias.Name == promoteTo) ? $"; '{promoteTo}' left where it was" : $"; '{promoteTo}' not set";
        return new VoiceUpdate(adapted, parent.Number, loss, parentLoss, promoted, verdict);
    }

    static string Recipe(int heldOut) => string.Create(CultureInfo.InvariantCulture, $"kind: voice\nmethod: adapt\nheld_out_clips: {heldOut}\n");

    static void RequireRecordings(Dataset recordings)
    {
        if (recordings.ConsentScope != ConsentScopes.Voice) throw new RegistryException($"dataset {recordings.Id} is '{recordings.ConsentScope}' data, not recordings of a voice");
    }

    /// <summary>Adapts <paramref name="version"/> on the stored recordings; the held-out loss of <paramref name="previous"/>'s adapter on the same clips comes back too.</summary>
    (TwinVersion Version, double Loss, double? PreviousLoss) Adapt(TwinVersion version, BaseModel foundation, Dataset recordings, int heldOut, AcousticTrainingOptions? options,
        TwinVersion? previous, CancellationToken cancellationToken)
    {
        version = registry.SetVersionStatus(version.Id, VersionStatus.Training);
        var scratch = Directory.CreateTempSubdirectory("twinforge-voice-version-").FullName;
        try
        {
            var recordingsDirectory = Path.Combine(scratch, "recordings");
            store.ExtractDirectory(recordings.StoredArtifactHash ?? throw new RegistryException($"dataset {recordings.Id} has no stored copy to adapt on"), recordingsDirectory);
            var clips = RecordingsFolder.Read(recordingsDirectory);
            if (clips.Count <= heldOut) throw new Engine.BadInputException($"{clips.Count} clips leave none to adapt on after holding out {heldOut}");
            using var model = AcousticModelFiles.Load(BaseModels.RequireUnchanged(foundation));
            using var mel = new MelSpectrogram(MelSettings.Default);
            var train = CreatorSpeech.Prepare(clips.Take(clips.Count - heldOut), model.Config, mel);
            var judge = CreatorSpeech.Prepare(clips.Skip(clips.Count - heldOut), model.Config, mel);
            using var average = model.SpeakerTable.mean([0]);
            double before = AcousticTrainer.MelLoss(model, batch => average.unsqueeze(0).expand(batch.Size, -1), judge);
            double? previousLoss = previous is null ? null : PreviousLoss(previous, model, judge, Path.Combine(scratch, "previous"));
            var (adapter, epochs) = VoiceAdaptation.Adapt(model, train, judge, options ?? VoiceAdaptation.DefaultOptions, cancellationToken: cancellationToken);
            string adapterHash;
            using (adapter)
            {
                var adapterDirectory = Path.Combine(scratch, "adapter");
                Directory.CreateDirectory(adapterDirectory);
                adapter.Save(Path.Combine(adapterDirectory, VoiceAdapter.WeightsFileName));
                adapterHash = store.PutDirectory(adapterDirectory);
            }
            double loss = epochs.Min(e => e.ValidationMelLoss!.Value);
            registry.SetVersionArtifacts(version.Id, [new ArtifactReference(AdapterKind, adapterHash)]);
            registry.SetVersionMetrics(version.Id, JsonSerializer.Serialize(new
            {
                kind = "voice", clips = clips.Count - heldOut, held_out_clips = heldOut, unadapted_held_out_mel_loss = before,
                held_out_mel_loss = loss, epochs = epochs.Count, previous_version = previous?.Number, previous_version_held_out_mel_loss = previousLoss,
            }));
            return (registry.SetVersionStatus(version.Id, VersionStatus.Succeeded), loss, previousLoss);
        }
        catch
        {
            registry.SetVersionStatus(version.Id, VersionStatus.Failed);
            throw;
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>The held-out mel loss of an earlier version's adapter on these clips (the foundation's norms put back after).</summary>
    double PreviousLoss(TwinVersion previous, AcousticModel model, SpeechDataset judge, string directory)
    {
        using var original = VoiceAdapter.Capture(model, model.SpeakerTable[0]);
        using var adapter = VoiceAdapter.Load(ExtractAdapter(previous, directory), model);
        try
        {
            adapter.ApplyTo(model);
            return AcousticTrainer.MelLoss(model, batch => adapter.Speaker.unsqueeze(0).expand(batch.Size, -1), judge);
        }
        finally
        {
            original.ApplyTo(model);
        }
    }

    /// <summary>Writes a version's voice adapter (<see cref="VoiceAdapter.WeightsFileName"/>) into <paramref name="destination"/>.</summary>
    public string ExtractAdapter(TwinVersion version, string destination)
    {
        var reference = version.Artifacts.FirstOrDefault(artifact => artifact.Kind == AdapterKind)
            ?? throw new RegistryException(version.Artifacts.Count > 0
                ? $"twin '{registry.GetTwin(version.TwinId).Name}' is a text twin, not a voice twin: give one made by 'twinforge voice create'"
                : $"version {version.Number} has no voice adapter (status {version.Status.Name()})");
        store.ExtractDirectory(reference.ContentHash, destination);
        return Path.Combine(destination, VoiceAdapter.WeightsFileName);
    }

    static bool IsRecordingFile(string path) =>
        Path.GetExtension(path).ToLowerInvariant() is ".wav" or ".txt" or ".lab" || Path.GetFileName(path) == RecordingsFolder.MetadataFileName;
}
