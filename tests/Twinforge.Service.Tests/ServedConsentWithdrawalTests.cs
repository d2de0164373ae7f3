using System.Net.Http.Json;
using OpenAI.Chat;

namespace Twinforge.Service.Tests;

/// <summary>A twin whose creator withdrew consent through the API is no longer served, and nothing unpacked for it remains.</summary>
[Collection("Twins")]
public sealed class ServedConsentWithdrawalTests(TwinService twins)
{
    [Fact]
    public async Task After_withdrawal_the_twin_is_404_and_its_unpacked_adapter_is_deleted()
    {
        var bo = await twins.Service.Creator(twins.Key, "Bo");
        var version = twins.Twins.Train(twins.Twins.Creator(twins.Organisation, bo), "bo-style", "summer");
        var adapterHash = version.Artifacts.Single(a => a.Kind == "adapter").ContentHash;
        var chat = twins.Service.Sdk(twins.Key).GetChatClient("bo-style");
        await chat.CompleteChatAsync([new UserChatMessage("summer question 1?")], new ChatCompletionOptions { MaxOutputTokenCount = 4 });
        Assert.True(Directory.Exists(Path.Combine(twins.Twins.ServedCache, adapterHash)), "serving unpacked the adapter");
        using var client = twins.Service.Client(twins.Key);

        await ServiceFactory.Json(await client.PostAsJsonAsync($"/v1/creators/{bo}/consents/withdraw", new { scope = "text", reason = "asked by email" }));

        Assert.False(Directory.Exists(Path.Combine(twins.Twins.ServedCache, adapterHash)));
        var error = await ServiceFactory.Error(await client.PostAsJsonAsync("/v1/chat/completions",
            new { model = "bo-style", messages = new[] { new { role = "user", content = "summer question 1?" } } }), 404);
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Contains("every version of the twin was deleted", error.GetProperty("message").GetString());
        var listed = await ServiceFactory.Json(await client.GetAsync("/v1/models"));
        Assert.DoesNotContain(listed.GetProperty("data").EnumerateArray(), model => model.GetProperty("id").GetString()!.Contains("bo-style"));
        // Ana's twin, unpacked alongside, is still served.
        await twins.Service.Sdk(twins.Key).GetChatClient("ana-style").CompleteChatAsync([new UserChatMessage("hi")], new ChatCompletionOptions { MaxOutputTokenCount = 2 });
        Assert.True(Directory.Exists(Path.Combine(twins.Twins.ServedCache, twins.Version.Artifacts.Single(a => a.Kind == "adapter").ContentHash)));
    }
}
