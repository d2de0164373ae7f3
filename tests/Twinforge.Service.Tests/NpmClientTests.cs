namespace Twinforge.Service.Tests;

/// <summary>The official npm client works against the service by changing only the base URL and the key.</summary>
public sealed class NpmClientTests : IDisposable
{
    readonly ServiceFactory service = new();

    [SkippableFact]
    public async Task The_npm_client_uploads_lists_downloads_and_deletes_a_creators_file()
    {
        NpmClient.RequireInstalled();
        var baseUrl = service.ListenOnLoopback();
        var (organisation, key) = await service.Organisation();
        var creator = await service.Creator(key);
        var uploadsKey = await service.KeyWithDefaultCreator(organisation, creator);
        var data = Path.Combine(service.DataDirectory, "..", $"npm-{Guid.NewGuid():N}.jsonl");
        await File.WriteAllTextAsync(data, ChatData.Valid());

        try
        {
            var seen = await NpmClient.Run("files.mjs", new Dictionary<string, string>
            {
                ["TWINFORGE_BASE_URL"] = baseUrl + "/v1", ["TWINFORGE_API_KEY"] = uploadsKey, ["DATA_FILE"] = data,
            }, TimeSpan.FromSeconds(60));

            var id = seen.GetProperty("uploaded").GetProperty("id").GetString()!;
            Assert.StartsWith("file-", id);
            Assert.Equal("fine-tune", seen.GetProperty("uploaded").GetProperty("purpose").GetString());
            Assert.Contains(id, seen.GetProperty("listed").EnumerateArray().Select(file => file.GetString()));
            Assert.Equal(Path.GetFileName(data), seen.GetProperty("retrieved").GetProperty("filename").GetString());
            Assert.Equal(ChatData.Valid(), seen.GetProperty("content").GetString());
            Assert.Equal(404, seen.GetProperty("refused").GetProperty("status").GetInt32());
            Assert.True(seen.GetProperty("deleted").GetProperty("deleted").GetBoolean());
        }
        finally
        {
            File.Delete(data);
        }
    }

    public void Dispose() => service.Dispose();
}
