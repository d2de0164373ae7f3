using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;
using Twinforge.Registry.Tests.Backends;

namespace Twinforge.Registry.Tests;

/// <summary>
/// Completions' provenance records: stored and read within their organisation only, with content only when given,
/// and kept — marked, without content — when the twin that answered is erased by a withdrawal or deleted.
/// </summary>
public abstract class ProvenanceTests(RegistryBackend backend) : RegistryTest(backend)
{
    const string Prompt = """[{"content":"spring question 3?","role":"user"}]""";
    const string Text = "ana-style says spring answer 3.";

    sealed record Scenario(ITwinRegistry Registry, Organisation Acme, Organisation Globex, Creator Ana, Twin Twin, TwinVersion Version);

    Scenario Setup()
    {
        var registry = Open();
        var acme = registry.CreateOrganisation("org-acme", "Acme");
        var globex = registry.CreateOrganisation("org-globex", "Globex");
        var ana = registry.CreateOrganisationCreator(acme.Id, "creator-ana", "Ana");
        registry.GiveConsent(ana.Id, ConsentScopes.Text);
        var twin = registry.CreateTwin(ana.Id, "ana-style");
        var version = Build.SucceededVersion(registry, twin, Build.BaseModel(registry), [Build.Train(Build.Dataset(registry, ana, "ana's chats"))], null,
            new ArtifactReference(ArtifactReference.Adapter, Build.Hash("adapter")));
        return new Scenario(registry, acme, globex, ana, twin, version);
    }

    static NewCompletionProvenance Record(Scenario s, string id, bool withContent = true) =>
        new(id, s.Acme.Id, "chatcmpl-" + id, "creator-ana/ana-style@1", s.Version.Id, s.Twin.Name, s.Version.Number, Build.Hash("adapter"), Build.Hash("base"),
            """{"max_tokens":24,"seed":null,"stop":[],"temperature":0,"top_p":1}""", 12, 7, null, "0123456789abcdef",
            $$"""{"id":"{{id}}","signature":"c2ln"}""", new DateTimeOffset(2026, 12, 5, 1, 2, 3, 456, TimeSpan.Zero))
        {
            PromptJson = withContent ? Prompt : null,
            CompletionText = withContent ? Text : null,
        };

    [SkippableFact]
    public void A_record_is_stored_as_given_and_read_only_by_its_organisation()
    {
        var s = Setup();
        using var registry = s.Registry;

        var stored = registry.RecordProvenance(Record(s, "prov-1"));
        var bare = registry.RecordProvenance(Record(s, "prov-2", withContent: false));

        Assert.Equal(stored, registry.FindProvenance(s.Acme.Id, "prov-1"));
        Assert.Equal((s.Twin.Id, s.Version.Id, "ana-style", 1), (stored.TwinId, stored.VersionId, stored.TwinName, stored.VersionNumber));
        Assert.Equal((12, 7, "0123456789abcdef"), (stored.PromptTokens, stored.CompletionTokens, stored.KeyId));
        Assert.Equal((Prompt, Text), (stored.PromptJson, stored.CompletionText));
        Assert.Equal("""{"id":"prov-1","signature":"c2ln"}""", stored.SignedRecord);
        Assert.Equal(new DateTimeOffset(2026, 12, 5, 1, 2, 3, 456, TimeSpan.Zero), stored.CreatedAt);
        Assert.False(stored.IsErased);
        Assert.Equal((null, null), (bare.PromptJson, bare.CompletionText));
        Assert.Null(registry.FindProvenance(s.Globex.Id, "prov-1"));
        Assert.Null(registry.FindProvenance(s.Acme.Id, "prov-unknown"));
        Assert.Throws<DuplicateEntityException>(() => registry.RecordProvenance(Record(s, "prov-1")));
    }

    [SkippableFact]
    public void Another_organisations_version_cannot_be_named_in_a_record()
    {
        var s = Setup();
        using var registry = s.Registry;

        Assert.Throws<UnknownEntityException>(() => registry.RecordProvenance(Record(s, "prov-1") with { OrganisationId = s.Globex.Id }));
        Assert.Null(registry.FindProvenance(s.Globex.Id, "prov-1"));
    }

    [SkippableFact]
    public void A_base_models_record_names_no_version()
    {
        var s = Setup();
        using var registry = s.Registry;

        var stored = registry.RecordProvenance(Record(s, "prov-1") with { VersionId = null, TwinName = null, VersionNumber = null, Model = "tiny-base" });

        Assert.Equal((null, null, null), (stored.TwinId, stored.VersionId, stored.TwinName));
        Assert.Equal(Text, stored.CompletionText);
    }

    [SkippableFact]
    public void A_withdrawal_keeps_the_records_of_the_erased_versions_marked_and_without_content()
    {
        var s = Setup();
        using var registry = s.Registry;
        registry.RecordProvenance(Record(s, "prov-1"));

        registry.WithdrawConsent(s.Ana.Id, ConsentScopes.All, "asked", "ops", new LocalArtifactStore(Scratch.Sub("artifacts")));

        var kept = registry.FindProvenance(s.Acme.Id, "prov-1")!;
        Assert.True(kept.IsErased);
        Assert.Equal((null, null), (kept.PromptJson, kept.CompletionText));
        Assert.Equal("""{"id":"prov-1","signature":"c2ln"}""", kept.SignedRecord);
        // The tombstone of the version is still there to point at.
        Assert.Equal((s.Twin.Id, s.Version.Id, "ana-style", 1), (kept.TwinId, kept.VersionId, kept.TwinName, kept.VersionNumber));
    }

    [SkippableFact]
    public void Deleting_the_twin_keeps_its_records_marked_without_content_or_references()
    {
        var s = Setup();
        using var registry = s.Registry;
        registry.RecordProvenance(Record(s, "prov-1"));

        registry.DeleteTwin(s.Twin.Id, "retired", "ops", new LocalArtifactStore(Scratch.Sub("artifacts")));

        Assert.Throws<UnknownEntityException>(() => registry.GetTwin(s.Twin.Id));
        var kept = registry.FindProvenance(s.Acme.Id, "prov-1")!;
        Assert.NotNull(kept.ErasedAt);
        Assert.Equal((null, null, null, null), (kept.TwinId, kept.VersionId, kept.PromptJson, kept.CompletionText));
        Assert.Equal(("ana-style", 1, Build.Hash("adapter")), (kept.TwinName, kept.VersionNumber, kept.AdapterHash));
    }

    [SkippableFact]
    public void A_record_of_a_version_erased_before_it_was_stored_is_stored_marked_without_content()
    {
        var s = Setup();
        using var registry = s.Registry;
        var store = new LocalArtifactStore(Scratch.Sub("artifacts"));
        registry.WithdrawConsent(s.Ana.Id, ConsentScopes.All, "asked", "ops", store);

        var late = registry.RecordProvenance(Record(s, "prov-1"));
        registry.DeleteTwin(s.Twin.Id, "retired", "ops", store);
        var later = registry.RecordProvenance(Record(s, "prov-2"));

        Assert.True(late.IsErased);
        Assert.Equal((null, null), (late.PromptJson, late.CompletionText));
        Assert.True(later.IsErased);
        Assert.Equal((null, null, null), (later.VersionId, later.PromptJson, later.CompletionText));
    }

    [SkippableFact]
    public void Keeping_completion_content_is_off_until_the_organisation_opts_in()
    {
        using var registry = Open();
        var acme = registry.CreateOrganisation("org-acme", "Acme");

        Assert.False(acme.RecordCompletionContent);
        Assert.True(registry.SetRecordCompletionContent(acme.Id, true)!.RecordCompletionContent);
        Assert.True(registry.FindOrganisation("org-acme")!.RecordCompletionContent);
        Assert.False(registry.SetRecordCompletionContent(acme.Id, false)!.RecordCompletionContent);
        Assert.False(registry.FindOrganisation(acme.Id)!.RecordCompletionContent);
        Assert.Null(registry.SetRecordCompletionContent(acme.Id + 100, true));
    }

    [SkippableFact]
    public void Watermarking_completions_is_on_until_the_organisation_switches_it_off_and_leaves_the_other_setting_alone()
    {
        using var registry = Open();
        var acme = registry.CreateOrganisation("org-acme", "Acme");
        registry.SetRecordCompletionContent(acme.Id, true);

        Assert.True(acme.WatermarkCompletions);
        Assert.True(registry.FindOrganisation("org-acme")!.WatermarkCompletions);
        var off = registry.SetWatermarkCompletions(acme.Id, false)!;
        Assert.Equal((false, true), (off.WatermarkCompletions, off.RecordCompletionContent));
        Assert.False(registry.FindOrganisation(acme.Id)!.WatermarkCompletions);
        Assert.True(Assert.Single(registry.ListOrganisations()).RecordCompletionContent);
        Assert.True(registry.SetWatermarkCompletions(acme.Id, true)!.WatermarkCompletions);
        Assert.True(registry.FindOrganisation("org-acme")!.WatermarkCompletions);
        Assert.Null(registry.SetWatermarkCompletions(acme.Id + 100, false));
    }
}

public sealed class SqliteProvenanceTests() : ProvenanceTests(new SqliteBackend());

public sealed class PostgresProvenanceTests() : ProvenanceTests(new PostgresBackend());
