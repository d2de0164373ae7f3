using System.Net.Http.Json;

namespace Twinforge.Service.Tests;

/// <summary>Withdrawing a creator's consent through the API deletes their files, as the registry deletes their data.</summary>
public sealed class ConsentWithdrawalTests : IDisposable
{
    readonly ServiceFactory service = new();

    [Fact]
    public async Task After_withdrawal_the_files_are_gone_from_the_api_and_their_bytes_from_the_store()
    {
        var (_, key) = await service.Organisation();
        var ana = await service.Creator(key, "Ana");
        var bo = await service.Creator(key, "Bo");
        using var client = service.Client(key);
        var anaFile = (await ServiceFactory.Json(await client.PostAsync("/v1/files", ServiceFactory.Upload(ChatData.Valid("ana"), creator: ana)))).GetProperty("id").GetString();
        var anaAgain = (await ServiceFactory.Json(await client.PostAsync("/v1/files", ServiceFactory.Upload(ChatData.Valid("ana"), "copy.jsonl", creator: ana)))).GetProperty("id").GetString();
        var boFile = (await ServiceFactory.Json(await client.PostAsync("/v1/files", ServiceFactory.Upload(ChatData.Valid("bo"), creator: bo)))).GetProperty("id").GetString();
        var objects = Path.Combine(service.DataDirectory, "artifacts", "objects");
        Assert.Equal(2, Directory.EnumerateFiles(objects, "*", SearchOption.AllDirectories).Count()); // two contents, two stored copies

        var withdrawal = await ServiceFactory.Json(await client.PostAsJsonAsync($"/v1/creators/{ana}/consents/withdraw", new { scope = "text", reason = "asked by email" }));

        Assert.Equal(1, withdrawal.GetProperty("deleted_datasets").GetInt32());
        Assert.Equal(1, withdrawal.GetProperty("deleted_artifacts").GetInt32());
        await ServiceFactory.Error(await client.GetAsync($"/v1/files/{anaFile}"), 404);
        await ServiceFactory.Error(await client.GetAsync($"/v1/files/{anaAgain}/content"), 404);
        var left = (await ServiceFactory.Json(await client.GetAsync("/v1/files"))).GetProperty("data").EnumerateArray().Select(f => f.GetProperty("id").GetString());
        Assert.Equal([boFile], left);
        Assert.Single(Directory.EnumerateFiles(objects, "*", SearchOption.AllDirectories)); // only Bo's copy
        // No consent, no new data; withdrawing again has nothing to do.
        var refused = await ServiceFactory.Error(await client.PostAsync("/v1/files", ServiceFactory.Upload(ChatData.Valid("ana"), creator: ana)), 400);
        Assert.Equal("consent_required", refused.GetProperty("code").GetString());
        await ServiceFactory.Error(await client.PostAsJsonAsync($"/v1/creators/{ana}/consents/withdraw", new { scope = "text", reason = "again" }), 409);
        var creator = await ServiceFactory.Json(await client.GetAsync($"/v1/creators/{ana}"));
        Assert.NotEqual(JsonValueKindNull, creator.GetProperty("consents")[0].GetProperty("withdrawn_at").ValueKind);
    }

    /// <summary>A scope no data asks for is recorded (new media need no schema change) with a warning, as the command line gives.</summary>
    [Fact]
    public async Task Consent_for_a_scope_no_data_asks_for_is_recorded_with_a_warning_naming_the_known_ones()
    {
        var (_, key) = await service.Organisation();
        using var client = service.Client(key);

        var created = await ServiceFactory.Json(await client.PostAsJsonAsync("/v1/creators", new { name = "Ana", consent = new { scope = "txet" } }));
        var warning = Assert.Single(created.GetProperty("warnings").EnumerateArray()).GetString();
        Assert.Contains("'txet' is not a scope Twinforge's data asks for (text, voice, face, all)", warning);
        Assert.Equal("txet", created.GetProperty("consents")[0].GetProperty("scope").GetString());
        var ana = created.GetProperty("id").GetString();

        var known = await ServiceFactory.Json(await client.PostAsJsonAsync($"/v1/creators/{ana}/consents", new { scope = "text" }));
        Assert.False(known.TryGetProperty("warnings", out _));
        var unknown = await ServiceFactory.Json(await client.PostAsJsonAsync($"/v1/creators/{ana}/consents", new { scope = "vioce" }));
        Assert.Contains("'vioce'", Assert.Single(unknown.GetProperty("warnings").EnumerateArray()).GetString());
        Assert.Equal(3, unknown.GetProperty("consents").GetArrayLength());
        Assert.False((await ServiceFactory.Json(await client.GetAsync($"/v1/creators/{ana}"))).TryGetProperty("warnings", out _)); // the answer to that request only
    }

    const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;

    public void Dispose() => service.Dispose();
}
