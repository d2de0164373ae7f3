using System.Text;
using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;
using Twinforge.Registry.Tests.Backends;

namespace Twinforge.Registry.Tests;

/// <summary>Organisations, their keys, creators and uploaded files: each read scoped to its organisation.</summary>
public abstract class OrganisationTests(RegistryBackend backend) : RegistryTest(backend)
{
    static string KeyHash(string key) => ContentHash.Of(Encoding.UTF8.GetBytes(key));

    [SkippableFact]
    public void A_key_is_found_by_its_hash_until_revoked_and_an_admin_key_has_no_organisation()
    {
        using var registry = Open();
        var acme = registry.CreateOrganisation("org-acme", "Acme");
        var key = registry.CreateApiKey(new NewApiKey("key-1", acme.Id, "back-end", KeyHash("tf-secret"), "tf-se…cret"));
        var admin = registry.CreateApiKey(new NewApiKey("key-admin", null, "admin", KeyHash("tf-admin"), "tf-ad…dmin"));

        Assert.Equal(key, registry.FindLiveApiKey(KeyHash("tf-secret")));
        Assert.True(registry.FindLiveApiKey(KeyHash("tf-admin"))!.IsAdmin);
        Assert.Null(registry.FindLiveApiKey(KeyHash("tf-other")));
        Assert.Equal([admin], registry.ListApiKeys(null));

        Assert.Null(registry.RevokeApiKey(null, "key-1"));                 // not an admin key: not found among them
        var revoked = registry.RevokeApiKey(acme.Id, "key-1");
        Assert.NotNull(revoked!.RevokedAt);
        Assert.Null(registry.FindLiveApiKey(KeyHash("tf-secret")));
        Assert.Equal(revoked, registry.RevokeApiKey(acme.Id, "key-1"));    // twice: unchanged
        Assert.Equal([revoked], registry.ListApiKeys(acme.Id));
    }

    [SkippableFact]
    public void Another_organisations_creators_and_files_read_as_unknown()
    {
        using var registry = Open();
        var store = new LocalArtifactStore(Scratch.Sub("artifacts"));
        var acme = registry.CreateOrganisation("org-acme", "Acme");
        var globex = registry.CreateOrganisation("org-globex", "Globex");
        var ana = registry.CreateOrganisationCreator(acme.Id, "creator-ana", "Ana");
        registry.GiveConsent(ana.Id, ConsentScopes.Text);
        var data = Build.Dataset(registry, ana, "ana's chats");
        var file = registry.RecordFile(new NewUploadedFile("file-1", acme.Id, data.Id, "ana.jsonl", 11, "fine-tune"));

        Assert.Equal(ana, registry.FindOrganisationCreator(acme.Id, "creator-ana"));
        Assert.Equal("Ana", ana.DisplayName);
        Assert.Null(registry.FindOrganisationCreator(globex.Id, "creator-ana"));
        Assert.Null(registry.FindOrganisationCreator(globex.Id, ana.Id));
        Assert.Empty(registry.ListOrganisationCreators(globex.Id));
        Assert.Equal(file, registry.FindFile(acme.Id, "file-1"));
        Assert.Null(registry.FindFile(globex.Id, "file-1"));
        Assert.Empty(registry.ListFiles(globex.Id));
        Assert.Null(registry.DeleteFile(globex.Id, "file-1", "globex", store));
        Assert.Equal([file], registry.ListFiles(acme.Id));
        // Nor can another organisation name Acme's dataset as its file, or make Acme's creator its keys' default.
        Assert.Throws<UnknownEntityException>(() => registry.RecordFile(new NewUploadedFile("file-2", globex.Id, data.Id, "x.jsonl", 11, "fine-tune")));
        Assert.Throws<UnknownEntityException>(() =>
            registry.CreateApiKey(new NewApiKey("key-g", globex.Id, "g", KeyHash("tf-g"), "tf-g") { DefaultCreatorId = ana.Id }));
    }

    [SkippableFact]
    public void Withdrawing_consent_deletes_the_files_of_the_deleted_datasets()
    {
        using var registry = Open();
        var store = new LocalArtifactStore(Scratch.Sub("artifacts"));
        var acme = registry.CreateOrganisation("org-acme", "Acme");
        var ana = registry.CreateOrganisationCreator(acme.Id, "creator-ana", "Ana");
        registry.GiveConsent(ana.Id, ConsentScopes.Text);
        var stored = store.Put(new MemoryStream("ana's chats"u8.ToArray()));
        var data = Build.Dataset(registry, ana, "ana's chats", storedHash: stored);
        registry.RecordFile(new NewUploadedFile("file-1", acme.Id, data.Id, "ana.jsonl", 11, "fine-tune"));
        registry.RecordFile(new NewUploadedFile("file-2", acme.Id, data.Id, "again.jsonl", 11, "fine-tune"));

        registry.WithdrawConsent(ana.Id, ConsentScopes.All, "asked", "ops", store);

        Assert.Empty(registry.ListFiles(acme.Id));
        Assert.Null(registry.FindFile(acme.Id, "file-1"));
        Assert.False(store.Exists(stored));
        Assert.Equal(0, Backend.ScalarRaw("SELECT COUNT(*) FROM files"));
        Assert.Throws<UnknownEntityException>(() => registry.RecordFile(new NewUploadedFile("file-3", acme.Id, data.Id, "late.jsonl", 11, "fine-tune")));
    }

    [SkippableFact]
    public void Creators_of_different_organisations_may_hold_the_same_content_and_one_withdrawal_keeps_the_others_copy()
    {
        using var registry = Open();
        var store = new LocalArtifactStore(Scratch.Sub("artifacts"));
        var acme = registry.CreateOrganisation("org-acme", "Acme");
        var globex = registry.CreateOrganisation("org-globex", "Globex");
        var ana = registry.CreateOrganisationCreator(acme.Id, "creator-ana", "Ana");
        var bo = registry.CreateOrganisationCreator(globex.Id, "creator-bo", "Bo");
        var cy = registry.CreateOrganisationCreator(acme.Id, "creator-cy", "Cy");
        foreach (var creator in new[] { ana, bo, cy }) registry.GiveConsent(creator.Id, ConsentScopes.Text);
        var stored = store.Put(new MemoryStream("the shared text"u8.ToArray()));

        var anas = Build.Dataset(registry, ana, "the shared text", storedHash: stored);
        var bos = Build.Dataset(registry, bo, "the shared text", storedHash: stored);
        // Within one organisation the content stays one creator's, and the refusal may name them.
        var refused = Assert.Throws<DuplicateEntityException>(() => Build.Dataset(registry, cy, "the shared text", storedHash: stored));

        Assert.NotEqual(anas.Id, bos.Id);
        Assert.Equal((bo.Id, anas.ContentHash), (bos.CreatorId, bos.ContentHash));
        Assert.Equal(bos.Id, Build.Dataset(registry, bo, "the shared text", storedHash: stored).Id); // again: the same dataset
        Assert.Equal(bos.Id, registry.FindDatasetByHash(bo.Id, anas.ContentHash)!.Id);
        Assert.Contains($"dataset {anas.Id} of creator 'creator-ana'", refused.Message);

        var withdrawal = registry.WithdrawConsent(ana.Id, ConsentScopes.Text, "asked to be forgotten", "acme", store);

        Assert.Equal([anas.Id], withdrawal.Audit.DeletedDatasetIds);
        Assert.Empty(withdrawal.Audit.ArtifactHashesToDelete);    // Bo's dataset still records the stored copy
        Assert.True(store.Exists(stored));
        Assert.Null(registry.FindDatasetByHash(ana.Id, anas.ContentHash));
        Assert.Equal(stored, registry.GetDataset(bos.Id).StoredArtifactHash);

        registry.WithdrawConsent(bo.Id, ConsentScopes.Text, "asked to be forgotten", "globex", store);
        Assert.False(store.Exists(stored));                       // the last dataset that recorded it is gone
    }

    [SkippableFact]
    public void Deleting_the_last_file_of_an_untrained_dataset_deletes_the_dataset_and_its_stored_copy()
    {
        using var registry = Open();
        var store = new LocalArtifactStore(Scratch.Sub("artifacts"));
        var acme = registry.CreateOrganisation("org-acme", "Acme");
        var ana = registry.CreateOrganisationCreator(acme.Id, "creator-ana", "Ana");
        registry.GiveConsent(ana.Id, ConsentScopes.Text);
        var stored = store.Put(new MemoryStream("ana's chats"u8.ToArray()));
        var data = Build.Dataset(registry, ana, "ana's chats", storedHash: stored);
        registry.RecordFile(new NewUploadedFile("file-1", acme.Id, data.Id, "ana.jsonl", 11, "fine-tune"));
        registry.RecordFile(new NewUploadedFile("file-2", acme.Id, data.Id, "again.jsonl", 11, "fine-tune"));

        var first = registry.DeleteFile(acme.Id, "file-1", "acme", store)!;
        Assert.Null(first.Audit);                          // another file still names the dataset
        Assert.True(store.Exists(stored));

        var last = registry.DeleteFile(acme.Id, "file-2", "acme", store)!;
        Assert.Equal(AuditRecord.FileDeleted, last.Audit!.Action);
        Assert.Equal([data.Id], last.Audit.DeletedDatasetIds);
        Assert.Equal([stored], last.Artifacts.Deleted);
        Assert.False(store.Exists(stored));
        Assert.Null(registry.FindDatasetByHash(ana.Id, data.ContentHash));
        Assert.Null(registry.DeleteFile(acme.Id, "file-2", "acme", store));
    }

    [SkippableFact]
    public void Deleting_the_file_of_a_dataset_a_version_was_built_from_keeps_the_dataset()
    {
        using var registry = Open();
        var store = new LocalArtifactStore(Scratch.Sub("artifacts"));
        var acme = registry.CreateOrganisation("org-acme", "Acme");
        var ana = registry.CreateOrganisationCreator(acme.Id, "creator-ana", "Ana");
        registry.GiveConsent(ana.Id, ConsentScopes.Text);
        var data = Build.Dataset(registry, ana, "ana's chats");
        registry.RecordFile(new NewUploadedFile("file-1", acme.Id, data.Id, "ana.jsonl", 11, "fine-tune"));
        Build.SucceededVersion(registry, registry.CreateTwin(ana.Id, "ana-chat"), Build.BaseModel(registry), [Build.Train(data)]);

        var deletion = registry.DeleteFile(acme.Id, "file-1", "acme", store)!;

        Assert.Null(deletion.Audit);
        Assert.Empty(registry.ListFiles(acme.Id));
        Assert.Equal(data.ContentHash, registry.GetDataset(data.Id).ContentHash);
    }
}

public sealed class SqliteOrganisationTests() : OrganisationTests(new SqliteBackend());

public sealed class PostgresOrganisationTests() : OrganisationTests(new PostgresBackend());
