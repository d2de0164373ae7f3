using System.Net.Http.Json;

namespace Twinforge.Service.Tests;

/// <summary>
/// Another organisation's ids read as unknown on every endpoint that takes one (404, never 403, so existence does not
/// leak), and path-like ids never reach the file system: they fail their format and are answered 404.
/// </summary>
public sealed class IsolationTests : IDisposable
{
    readonly ServiceFactory service = new();

    [Fact]
    public async Task Another_organisations_files_and_creators_are_404_on_every_endpoint()
    {
        var (acme, acmeKey) = await service.Organisation("Acme");
        var (_, globexKey) = await service.Organisation("Globex");
        var ana = await service.Creator(acmeKey);
        using var acmeClient = service.Client(acmeKey);
        var file = (await ServiceFactory.Json(await acmeClient.PostAsync("/v1/files", ServiceFactory.Upload(ChatData.Valid(), creator: ana))))
            .GetProperty("id").GetString();
        using var globex = service.Client(globexKey);

        await ServiceFactory.Error(await globex.GetAsync($"/v1/files/{file}"), 404);
        await ServiceFactory.Error(await globex.GetAsync($"/v1/files/{file}/content"), 404);
        await ServiceFactory.Error(await globex.DeleteAsync($"/v1/files/{file}"), 404);
        Assert.Empty((await ServiceFactory.Json(await globex.GetAsync("/v1/files"))).GetProperty("data").EnumerateArray());
        // Acme's file as Globex's cursor reads like an id never given: 404 naming 'after', not an empty last page.
        Assert.Equal("after", (await ServiceFactory.Error(await globex.GetAsync($"/v1/files?after={file}"), 404)).GetProperty("param").GetString());
        await ServiceFactory.Error(await globex.GetAsync("/v1/files?after=file-000000000000000000000000"), 404);
        Assert.Empty((await ServiceFactory.Json(await acmeClient.GetAsync($"/v1/files?after={file}"))).GetProperty("data").EnumerateArray());
        await ServiceFactory.Error(await globex.GetAsync($"/v1/creators/{ana}"), 404);
        await ServiceFactory.Error(await globex.PostAsJsonAsync($"/v1/creators/{ana}/consents", new { scope = "text" }), 404);
        await ServiceFactory.Error(await globex.PostAsJsonAsync($"/v1/creators/{ana}/consents/withdraw", new { scope = "all", reason = "x" }), 404);
        Assert.Empty((await ServiceFactory.Json(await globex.GetAsync("/v1/creators"))).GetProperty("data").EnumerateArray());
        var upload = await ServiceFactory.Error(await globex.PostAsync("/v1/files", ServiceFactory.Upload(ChatData.Valid("globex"), creator: ana)), 404);
        Assert.Equal("creator", upload.GetProperty("param").GetString());
        // An unknown id of the right format reads exactly like Acme's.
        var unknown = await ServiceFactory.Error(await globex.GetAsync("/v1/files/file-000000000000000000000000"), 404);
        var foreign = await ServiceFactory.Error(await globex.GetAsync($"/v1/files/{file}"), 404);
        Assert.Equal(unknown.GetProperty("code").GetString(), foreign.GetProperty("code").GetString());
        // The admin cannot give Globex's key a creator of Acme's either.
        using var admin = service.Client(ServiceFactory.AdminKey);
        var organisations = await ServiceFactory.Json(await admin.GetAsync("/admin/organizations"));
        var globexId = organisations.GetProperty("data").EnumerateArray().Single(o => o.GetProperty("name").GetString() == "Globex").GetProperty("id").GetString();
        await ServiceFactory.Error(await admin.PostAsJsonAsync($"/admin/organizations/{globexId}/api_keys", new { name = "x", default_creator = ana }), 404);

        // And Acme still has everything.
        await ServiceFactory.Json(await acmeClient.GetAsync($"/v1/files/{file}"));
        Assert.NotEqual(acme, globexId);
    }

    [Fact]
    public async Task An_upload_never_learns_that_another_organisation_registered_the_same_text()
    {
        var (_, acmeKey) = await service.Organisation("Acme");
        var (_, globexKey) = await service.Organisation("Globex");
        var ana = await service.Creator(acmeKey);
        var cy = await service.Creator(acmeKey, "Cy");
        var bo = await service.Creator(globexKey, "Bo");
        using var acme = service.Client(acmeKey);
        using var globex = service.Client(globexKey);
        var anas = (await ServiceFactory.Json(await acme.PostAsync("/v1/files", ServiceFactory.Upload(ChatData.Valid(), creator: ana)))).GetProperty("id").GetString();

        // The same text for Globex's creator is simply Bo's file; for another of Acme's creators it is refused, as
        // Acme may know its own creators' data.
        var bos = (await ServiceFactory.Json(await globex.PostAsync("/v1/files", ServiceFactory.Upload(ChatData.Valid(), creator: bo)))).GetProperty("id").GetString();
        var refused = await ServiceFactory.Error(await acme.PostAsync("/v1/files", ServiceFactory.Upload(ChatData.Valid(), creator: cy)), 409);

        Assert.NotEqual(anas, bos);
        Assert.Equal("content_of_another_creator", refused.GetProperty("code").GetString());
        Assert.Contains("another of your organisation's creators", refused.GetProperty("message").GetString());
        Assert.Equal(await (await acme.GetAsync($"/v1/files/{anas}/content")).Content.ReadAsStringAsync(),
            await (await globex.GetAsync($"/v1/files/{bos}/content")).Content.ReadAsStringAsync());
        // Ana's withdrawal deletes Ana's file, not Bo's, whose stored copy is the same.
        await ServiceFactory.Json(await acme.PostAsJsonAsync($"/v1/creators/{ana}/consents/withdraw", new { scope = "all", reason = "asked" }));
        await ServiceFactory.Error(await acme.GetAsync($"/v1/files/{anas}"), 404);
        var content = await globex.GetAsync($"/v1/files/{bos}/content");
        Assert.Equal(200, (int)content.StatusCode);
        Assert.Contains("messages", await content.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/v1/files/..%2F..%2Fregistry.db")]
    [InlineData("/v1/files/..%2Fregistry.db/content")]
    [InlineData("/v1/files/%2e%2e")]
    [InlineData("/v1/files/%2e%2e/content")]
    [InlineData("/v1/files/file-..%2F..%2F..%2Fetc%2Fpasswd")]
    [InlineData("/v1/files/registry.db/content")]
    [InlineData("/v1/files/FILE-AAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("/v1/creators/..%2F..")]
    public async Task Path_like_ids_are_404_without_touching_the_file_system(string path)
    {
        var (_, key) = await service.Organisation();
        using var client = service.Client(key);
        var before = Directory.EnumerateFileSystemEntries(service.DataDirectory, "*", SearchOption.AllDirectories).Order().ToList();

        var response = await client.GetAsync(path);

        Assert.True((int)response.StatusCode is 404 or 400, $"{path}: {(int)response.StatusCode}");
        await ServiceFactory.Error(response, (int)response.StatusCode);
        var deletion = await client.DeleteAsync(path);
        Assert.True((int)deletion.StatusCode is 404 or 405 or 400, $"DELETE {path}: {(int)deletion.StatusCode}");
        await ServiceFactory.Error(deletion, (int)deletion.StatusCode);
        Assert.Equal(before, Directory.EnumerateFileSystemEntries(service.DataDirectory, "*", SearchOption.AllDirectories).Order().ToList());
    }

    public void Dispose() => service.Dispose();
}
