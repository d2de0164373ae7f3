using System.ClientModel;
using System.Net.Http.Json;
using OpenAI.Files;

namespace Twinforge.Service.Tests;

/// <summary>The files API driven by the official OpenAI .NET SDK, changing only the base URL and the key.</summary>
public sealed class FilesThroughTheSdkTests : IDisposable
{
    readonly ServiceFactory service = new();

    [Fact]
    public async Task Upload_list_get_download_and_delete_work_through_the_official_sdk()
    {
        var (organisation, setupKey) = await service.Organisation();
        var ana = await service.Creator(setupKey);
        // What an SDK user has: a key whose uploads belong to a creator, since the SDK sends only file and purpose.
        var files = service.Sdk(await service.KeyWithDefaultCreator(organisation, ana)).GetOpenAIFileClient();
        var data = ChatData.Valid();

        OpenAIFile uploaded = await files.UploadFileAsync(BinaryData.FromString(data), "ana-2026.jsonl", FileUploadPurpose.FineTune);

        Assert.StartsWith("file-", uploaded.Id);
        Assert.Equal("ana-2026.jsonl", uploaded.Filename);
        Assert.Equal(data.Length, uploaded.SizeInBytes);
        Assert.Equal(FilePurpose.FineTune, uploaded.Purpose);
        Assert.True(uploaded.CreatedAt > DateTimeOffset.UtcNow.AddMinutes(-5));

        var listed = Assert.Single((await files.GetFilesAsync()).Value);
        Assert.Equal(uploaded.Id, listed.Id);
        Assert.Equal(uploaded.Id, (await files.GetFileAsync(uploaded.Id)).Value.Id);
        Assert.Equal(data, (await files.DownloadFileAsync(uploaded.Id)).Value.ToString());

        FileDeletionResult deleted = await files.DeleteFileAsync(uploaded.Id);
        Assert.True(deleted.Deleted);
        Assert.Equal(uploaded.Id, deleted.FileId);
        var gone = await Assert.ThrowsAsync<ClientResultException>(() => files.GetFileAsync(uploaded.Id));
        Assert.Equal(404, gone.Status);
        Assert.Empty((await files.GetFilesAsync()).Value);
        // The last file of an untrained dataset took the dataset and its stored copy with it.
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(service.DataDirectory, "artifacts", "objects"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task The_readme_snippet_uploads_a_file_from_disk()
    {
        var (organisation, setupKey) = await service.Organisation();
        var key = await service.KeyWithDefaultCreator(organisation, await service.Creator(setupKey));
        var path = Path.Combine(service.DataDirectory, "..", $"ana-{Guid.NewGuid():N}.jsonl");
        await File.WriteAllTextAsync(path, ChatData.Valid());
        try
        {
            var file = await ReadmeExample.UploadAsync(service.Sdk(key), path);

            Assert.Equal(Path.GetFileName(path), file.Filename); // the SDK sends the path; the directories are not kept
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_raw_multipart_upload_names_its_creator_in_the_creator_field()
    {
        var (_, key) = await service.Organisation();
        var ana = await service.Creator(key, "Ana");
        var bo = await service.Creator(key, "Bo");
        using var client = service.Client(key);

        var file = await ServiceFactory.Json(await client.PostAsync("/v1/files", ServiceFactory.Upload(ChatData.Valid("bo"), "bo.jsonl", creator: bo)));

        Assert.Equal(bo, file.GetProperty("twinforge").GetProperty("creator").GetString());
        Assert.NotEqual(ana, bo);
        // Without the field and without a default creator on the key, the upload says what is missing.
        var error = await ServiceFactory.Error(await client.PostAsync("/v1/files", ServiceFactory.Upload(ChatData.Valid("ana"))), 400);
        Assert.Equal("creator", error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task A_creator_without_text_consent_cannot_receive_a_file()
    {
        var (_, key) = await service.Organisation();
        var creator = await service.Creator(key, consent: false);
        using var client = service.Client(key);

        var error = await ServiceFactory.Error(await client.PostAsync("/v1/files", ServiceFactory.Upload(ChatData.Valid(), creator: creator)), 400);

        Assert.Equal("consent_required", error.GetProperty("code").GetString());
        Assert.Empty((await ServiceFactory.Json(await client.GetAsync("/v1/files"))).GetProperty("data").EnumerateArray());
    }

    public void Dispose() => service.Dispose();
}
