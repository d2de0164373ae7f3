using System.Net.Http.Json;

namespace Twinforge.Service.Tests;

/// <summary>Keys: missing, wrong and revoked keys get 401; each kind of key only its own endpoints; keys stored as hashes.</summary>
public sealed class AuthenticationTests : IDisposable
{
    readonly ServiceFactory service = new();

    [Fact]
    public async Task A_missing_wrong_or_revoked_key_is_answered_401_in_the_error_shape()
    {
        var missing = await ServiceFactory.Error(await service.Client(null).GetAsync("/v1/files"), 401);
        Assert.Equal("missing_api_key", missing.GetProperty("code").GetString());
        var wrong = await ServiceFactory.Error(await service.Client("tf-not-a-key").GetAsync("/v1/files"), 401);
        Assert.Equal("invalid_api_key", wrong.GetProperty("code").GetString());
        await ServiceFactory.Error(await service.Client(null).PostAsync("/v1/files", ServiceFactory.Upload(ChatData.Valid())), 401);
        await ServiceFactory.Error(await service.Client("tf-not-a-key").GetAsync("/admin/organizations"), 401);

        var (organisation, key) = await service.Organisation();
        using var admin = service.Client(ServiceFactory.AdminKey);
        var keys = await ServiceFactory.Json(await admin.GetAsync($"/admin/organizations/{organisation}/api_keys"));
        var keyId = Assert.Single(keys.GetProperty("data").EnumerateArray()).GetProperty("id").GetString();
        await ServiceFactory.Json(await service.Client(key).GetAsync("/v1/files"));
        await ServiceFactory.Json(await admin.DeleteAsync($"/admin/organizations/{organisation}/api_keys/{keyId}"));
        await ServiceFactory.Error(await service.Client(key).GetAsync("/v1/files"), 401);
    }

    [Fact]
    public async Task An_organisation_key_cannot_administer_and_the_admin_key_acts_for_no_organisation()
    {
        var (_, key) = await service.Organisation();

        await ServiceFactory.Error(await service.Client(key).PostAsJsonAsync("/admin/organizations", new { name = "Mine" }), 403);
        await ServiceFactory.Error(await service.Client(ServiceFactory.AdminKey).GetAsync("/v1/files"), 403);
    }

    [Fact]
    public async Task Keys_are_shown_once_and_recorded_only_as_hashes()
    {
        var (organisation, key) = await service.Organisation();
        using var admin = service.Client(ServiceFactory.AdminKey);

        var listed = Assert.Single((await ServiceFactory.Json(await admin.GetAsync($"/admin/organizations/{organisation}/api_keys")))
            .GetProperty("data").EnumerateArray());
        Assert.False(listed.TryGetProperty("value", out _));
        Assert.DoesNotContain(key, listed.GetProperty("redacted_value").GetString());
        // The database's files (with its write-ahead log) hold neither the key nor its secret part.
        foreach (var file in Directory.EnumerateFiles(service.DataDirectory, "registry.db*"))
        {
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, System.Text.Encoding.Latin1);
            var bytes = await reader.ReadToEndAsync();
            Assert.DoesNotContain(key[3..], bytes);
            Assert.DoesNotContain(ServiceFactory.AdminKey, bytes);
        }
    }

    public void Dispose() => service.Dispose();
}
