using System.ClientModel;
using OpenAI.Models;

namespace Twinforge.Service.Tests;

/// <summary><c>/v1/models</c> through the official SDK: the bases and the organisation's servable twin versions, nobody else's.</summary>
[Collection("Twins")]
public sealed class ModelsTests(TwinService twins)
{
    [Fact]
    public async Task The_list_has_the_bases_and_the_organisations_twin_versions_and_another_organisation_sees_only_the_bases()
    {
        OpenAIModelClient models = twins.Service.Sdk(twins.Key).GetOpenAIModelClient();
        OpenAIModelClient others = twins.Service.Sdk(twins.OtherKey).GetOpenAIModelClient();

        var listed = (await models.GetModelsAsync()).Value.ToList();
        var seenByOthers = (await others.GetModelsAsync()).Value.Select(model => model.Id).ToList();

        Assert.Contains(listed, model => model.Id == "tiny" && model.OwnedBy == "twinforge");
        var twin = Assert.Single(listed, model => model.Id == twins.ModelId);
        Assert.Equal(twins.AnaId, twin.OwnedBy);
        Assert.True(twin.CreatedAt > DateTimeOffset.UtcNow.AddHours(-1));
        Assert.Contains("tiny", seenByOthers);
        Assert.DoesNotContain(seenByOthers, id => id.Contains("ana-style"));
    }

    [Fact]
    public async Task One_model_by_any_of_its_names_resolves_to_the_version_now_and_is_404_for_another_organisation()
    {
        OpenAIModelClient models = twins.Service.Sdk(twins.Key).GetOpenAIModelClient();
        OpenAIModelClient others = twins.Service.Sdk(twins.OtherKey).GetOpenAIModelClient();

        OpenAIModel byId = await models.GetModelAsync(twins.ModelId); // the SDK escapes '/' and '@'
        OpenAIModel byAlias = await models.GetModelAsync("ana-style@production");
        OpenAIModel baseModel = await models.GetModelAsync("tiny");

        Assert.Equal(twins.ModelId, byId.Id);
        Assert.Equal(twins.ModelId, byAlias.Id);
        Assert.Equal("tiny", baseModel.Id);
        var hidden = await Assert.ThrowsAsync<ClientResultException>(() => others.GetModelAsync(twins.ModelId));
        Assert.Equal(404, hidden.Status);
        using var client = twins.Service.Client(twins.Key);
        var raw = await ServiceFactory.Json(await client.GetAsync("/v1/models/ana-style@production"));
        var detail = raw.GetProperty("twinforge");
        Assert.Equal("twin", detail.GetProperty("kind").GetString());
        Assert.Equal(1, detail.GetProperty("version").GetInt32());
        Assert.Equal("production", detail.GetProperty("aliases")[0].GetString());
        Assert.Equal("tiny", detail.GetProperty("base").GetString());
        var error = await ServiceFactory.Error(await client.GetAsync("/v1/models/nothing"), 404);
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
    }
}
