using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;
using Twinforge.Registry.Tests.Backends;

namespace Twinforge.Registry.Tests;

/// <summary>Duplicates, unknown ids and refused operations fail with their own exception type and a message naming the entity.</summary>
public abstract class ErrorTests(RegistryBackend backend) : RegistryTest(backend)
{
    [SkippableFact]
    public void Duplicate_names_are_refused_naming_the_entity()
    {
        using var registry = Open();
        var ana = registry.CreateCreator("ana");
        var bo = registry.CreateCreator("bo");
        Build.BaseModel(registry, "tiny");
        registry.CreateTwin(ana.Id, "chat");

        Assert.Equal("a creator named 'ana' already exists", Assert.Throws<DuplicateEntityException>(() => registry.CreateCreator("ana")).Message);
        Assert.Equal("a base model named 'tiny' already exists", Assert.Throws<DuplicateEntityException>(() => Build.BaseModel(registry, "tiny")).Message);
        Assert.Equal("a twin named 'chat' for creator 'ana' already exists", Assert.Throws<DuplicateEntityException>(() => registry.CreateTwin(ana.Id, "chat")).Message);
        Assert.Equal("chat", registry.CreateTwin(bo.Id, "chat").Name); // twin names are unique per creator only
    }

    [SkippableFact]
    public void The_same_content_registered_by_another_creator_is_refused()
    {
        using var registry = Open();
        var ana = Build.ConsentingCreator(registry, "ana");
        var bo = Build.ConsentingCreator(registry, "bo");
        var dataset = Build.Dataset(registry, ana, "shared words");

        var error = Assert.Throws<DuplicateEntityException>(() => Build.Dataset(registry, bo, "shared words"));

        Assert.Contains($"dataset {dataset.Id} of creator 'ana'", error.Message);
        Assert.EndsWith("this exact data is already 'ana''s, and one person's data cannot be another's; check that the file is the right person's", error.Message);
    }

    [SkippableFact]
    public void Unknown_ids_and_names_are_reported_as_such()
    {
        using var registry = Open();
        var ana = registry.CreateCreator("ana");
        var twin = registry.CreateTwin(ana.Id, "chat");

        Assert.Equal("no creator with id 999", Assert.Throws<UnknownEntityException>(() => registry.GetCreator(999)).Message);
        Assert.Equal("no creator named 'zed'", Assert.Throws<UnknownEntityException>(() => registry.GetCreatorByName("zed")).Message);
        Assert.Equal("no dataset with id 999", Assert.Throws<UnknownEntityException>(() => registry.GetDataset(999)).Message);
        Assert.Equal("no base model with id 999", Assert.Throws<UnknownEntityException>(() => registry.GetBaseModel(999)).Message);
        Assert.Equal("no twin with id 999", Assert.Throws<UnknownEntityException>(() => registry.GetTwin(999)).Message);
        Assert.Equal("no twin named 'mail' for creator 'ana'", Assert.Throws<UnknownEntityException>(() => registry.GetTwinByName(ana.Id, "mail")).Message);
        Assert.Equal("no twin version with id 999", Assert.Throws<UnknownEntityException>(() => registry.GetVersion(999)).Message);
        Assert.Equal("no twin version 4 of twin 'chat'", Assert.Throws<UnknownEntityException>(() => registry.GetVersionByNumber(twin.Id, 4)).Message);
        Assert.Equal("no alias 'production' for twin 'chat'", Assert.Throws<UnknownEntityException>(() => registry.GetAlias(twin.Id, "production")).Message);
        Assert.Equal("creator", Assert.Throws<UnknownEntityException>(() => registry.CreateTwin(999, "x")).Entity);
        Assert.Equal("creator", Assert.Throws<UnknownEntityException>(() => registry.GiveConsent(999, "text")).Entity);
        Assert.Equal("twin", Assert.Throws<UnknownEntityException>(() => registry.ListVersions(999)).Entity);
        Assert.Equal("twin version", Assert.Throws<UnknownEntityException>(() => registry.GetLineage(999)).Entity);
        Assert.Equal("dataset", Assert.Throws<UnknownEntityException>(() => registry.VersionsBuiltFromDataset(999)).Entity);
    }

    [SkippableFact]
    public void Reserving_a_version_checks_every_id_it_refers_to()
    {
        using var registry = Open();
        var ana = Build.ConsentingCreator(registry, "ana");
        var data = Build.Dataset(registry, ana, "d");
        var baseModel = Build.BaseModel(registry);
        var twin = registry.CreateTwin(ana.Id, "chat");

        Assert.Equal("no twin with id 999", Assert.Throws<UnknownEntityException>(() =>
            registry.NextVersion(Build.Request(twin, baseModel, [Build.Train(data)]) with { TwinId = 999 })).Message);
        Assert.Equal("no base model with id 999", Assert.Throws<UnknownEntityException>(() =>
            registry.NextVersion(Build.Request(twin, baseModel, [Build.Train(data)]) with { BaseModelId = 999 })).Message);
        Assert.Equal("no dataset with id 999", Assert.Throws<UnknownEntityException>(() =>
            registry.NextVersion(Build.Request(twin, baseModel, [new DatasetUse(999, "train")]))).Message);
        Assert.Equal("no twin version with id 999", Assert.Throws<UnknownEntityException>(() =>
            registry.NextVersion(Build.Request(twin, baseModel, [Build.Train(data)]) with { ParentVersionId = 999 })).Message);
        Assert.Equal(0, registry.GetTwin(twin.Id).LatestVersion); // nothing was reserved by the refused requests
    }

    [SkippableFact]
    public void Training_without_valid_consent_is_refused()
    {
        using var registry = Open();
        var ana = registry.CreateCreator("ana");
        registry.GiveConsent(ana.Id, ConsentScopes.Voice); // consent, but not for text
        // Registering it is refused too (see below); a record imported without that check still cannot be trained on.
        var text = Build.Dataset(registry, ana, "words", ConsentScopes.Text, requireConsent: false);
        var twin = registry.CreateTwin(ana.Id, "chat");
        var baseModel = Build.BaseModel(registry);

        var error = Assert.Throws<ConsentRequiredException>(() => registry.NextVersion(Build.Request(twin, baseModel, [Build.Train(text)])));

        Assert.Equal($"creator 'ana' has no valid 'text' consent for dataset {text.Id}: record consent before training on it", error.Message);
        Assert.Empty(registry.ListVersions(twin.Id));
        registry.GiveConsent(ana.Id, ConsentScopes.Text);
        Assert.Equal(1, registry.NextVersion(Build.Request(twin, baseModel, [Build.Train(text)])).Number);
    }

    [SkippableFact]
    public void Training_on_another_creators_data_needs_that_creators_consent()
    {
        using var registry = Open();
        var ana = Build.ConsentingCreator(registry, "ana");
        var bo = registry.CreateCreator("bo"); // no consent
        var anaData = Build.Dataset(registry, ana, "ana's words");
        var boData = Build.Dataset(registry, bo, "bo's words", requireConsent: false);
        var twin = registry.CreateTwin(ana.Id, "chat");

        var error = Assert.Throws<ConsentRequiredException>(() =>
            registry.NextVersion(Build.Request(twin, Build.BaseModel(registry), [Build.Train(anaData), new DatasetUse(boData.Id, DatasetUse.Replay)])));

        Assert.Equal(("bo", (long?)boData.Id), (error.CreatorName, error.DatasetId));
    }

    [SkippableFact]
    public void Status_moves_only_forward_and_deleted_is_reserved_for_withdrawal()
    {
        using var registry = Open();
        var ana = Build.ConsentingCreator(registry, "ana");
        var twin = registry.CreateTwin(ana.Id, "chat");
        var version = registry.NextVersion(Build.Request(twin, Build.BaseModel(registry), [Build.Train(Build.Dataset(registry, ana, "d"))]));
        registry.SetVersionStatus(version.Id, VersionStatus.Training);
        registry.SetVersionStatus(version.Id, VersionStatus.Failed);

        var backwards = Assert.Throws<InvalidVersionStateException>(() => registry.SetVersionStatus(version.Id, VersionStatus.Succeeded));
        Assert.Equal("version 1 of twin 'chat' failed; it cannot become succeeded", backwards.Message);
        Assert.Throws<InvalidVersionStateException>(() => registry.SetVersionStatus(version.Id, VersionStatus.Deleted));
        Assert.Equal(VersionStatus.Failed, registry.GetVersion(version.Id).Status);
    }

    [SkippableFact]
    public void Updating_from_a_version_that_has_not_succeeded_is_refused()
    {
        using var registry = Open();
        var ana = Build.ConsentingCreator(registry, "ana");
        var data = Build.Dataset(registry, ana, "d");
        var baseModel = Build.BaseModel(registry);
        var twin = registry.CreateTwin(ana.Id, "chat");
        var other = registry.CreateTwin(ana.Id, "other");
        var failed = registry.NextVersion(Build.Request(twin, baseModel, [Build.Train(data)]));
        registry.SetVersionStatus(failed.Id, VersionStatus.Failed);
        var foreign = Build.SucceededVersion(registry, other, baseModel, [Build.Train(data)]);

        var fromFailed = Assert.Throws<InvalidVersionStateException>(() => registry.NextVersion(Build.Request(twin, baseModel, [Build.Train(data)], failed)));
        var fromOtherTwin = Assert.Throws<InvalidVersionStateException>(() => registry.NextVersion(Build.Request(twin, baseModel, [Build.Train(data)], foreign)));

        Assert.Equal("cannot update twin 'chat' from version 1: it failed; only a succeeded version can be a parent", fromFailed.Message);
        Assert.Contains("belongs to twin 'other', not 'chat'", fromOtherTwin.Message);
    }

    [SkippableFact]
    public void Data_without_valid_consent_for_its_scope_is_not_registered()
    {
        using var registry = Open();
        var ana = registry.CreateCreator("ana");
        registry.GiveConsent(ana.Id, ConsentScopes.Voice);

        var error = Assert.Throws<ConsentRequiredException>(() => Build.Dataset(registry, ana, "words", ConsentScopes.Text));

        Assert.Equal("creator 'ana' has no valid 'text' consent: record consent before adding their data", error.Message);
        Assert.Null(error.DatasetId);
        Assert.Empty(registry.ListDatasets(ana.Id));
        Assert.Equal(ConsentScopes.Voice, Build.Dataset(registry, ana, "samples", ConsentScopes.Voice).ConsentScope);
        registry.WithdrawConsent(ana.Id, ConsentScopes.Voice, "asked", "ana", new LocalArtifactStore(Scratch.Sub("artifacts")));
        Assert.Throws<ConsentRequiredException>(() => Build.Dataset(registry, ana, "more samples", ConsentScopes.Voice));
    }

    [SkippableFact]
    public void Bad_input_is_refused_at_the_boundary()
    {
        using var registry = Open();
        var ana = registry.CreateCreator("ana");

        // Names, aliases and scopes come from users: refusing one is a registry error a front door reports as bad
        // input. Hashes and JSON come from code, so a bad one is a caller's bug.
        Assert.Throws<InvalidValueException>(() => registry.CreateCreator(" padded "));
        Assert.Throws<InvalidValueException>(() => registry.GiveConsent(ana.Id, "Text"));
        Assert.Throws<InvalidValueException>(() => registry.SetAlias(twinId: 1, "Production!", versionId: 1, "ana"));
        Assert.Contains("not a SHA-256", Assert.Throws<ArgumentException>(() =>
            registry.RegisterDataset(new NewDataset(ana.Id, "abc", "text", ["a.txt"], "{}"))).Message);
        Assert.Contains("not valid JSON", Assert.Throws<ArgumentException>(() =>
            registry.RegisterDataset(new NewDataset(ana.Id, Build.Hash("x"), "text", ["a.txt"], "{oops"))).Message);
        Assert.Contains("needs a path or a content hash", Assert.Throws<ArgumentException>(() =>
            registry.CreateBaseModel(new NewBaseModel("nowhere", null, null, "llama", 1))).Message);
    }
}

public sealed class SqliteErrorTests() : ErrorTests(new SqliteBackend());

public sealed class PostgresErrorTests() : ErrorTests(new PostgresBackend());
