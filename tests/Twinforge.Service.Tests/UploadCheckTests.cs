using System.Net.Http.Json;

namespace Twinforge.Service.Tests;

/// <summary>What an upload is refused for: bad data (every problem by line), size, purpose, a malformed form.</summary>
public sealed class UploadCheckTests : IDisposable
{
    readonly ServiceFactory service = new(new Dictionary<string, string?> { ["Twinforge:MaxUploadBytes"] = "4096" });

    [Fact]
    public async Task A_bad_file_is_refused_with_every_problem_by_line_as_data_validate_reports_it()
    {
        var (_, key) = await service.Organisation();
        var creator = await service.Creator(key);
        using var client = service.Client(key);

        var error = await ServiceFactory.Error(await client.PostAsync("/v1/files", ServiceFactory.Upload(ChatData.Bad, "bad.jsonl", creator: creator)), 400);

        Assert.Equal("invalid_file", error.GetProperty("code").GetString());
        var problems = error.GetProperty("twinforge").GetProperty("problems").EnumerateArray().ToList();
        var errorLines = problems.Where(p => p.GetProperty("severity").GetString() == "error" && p.GetProperty("line").ValueKind == System.Text.Json.JsonValueKind.Number)
            .Select(p => p.GetProperty("line").GetInt64()).ToList();
        Assert.Equal([2, 3, 4], errorLines);
        Assert.All(problems, p => Assert.Equal("bad.jsonl", p.GetProperty("file").GetString()));
        var message = error.GetProperty("message").GetString()!;
        foreach (var line in errorLines) Assert.Contains($"bad.jsonl:{line}:", message);
        Assert.DoesNotContain(service.DataDirectory, message);                    // the staging path is not the user's
        Assert.Empty((await ServiceFactory.Json(await client.GetAsync("/v1/files"))).GetProperty("data").EnumerateArray());
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(service.DataDirectory, "uploads"))); // nothing left staged
    }

    [Fact]
    public async Task A_file_with_a_lone_surrogate_escape_is_refused_naming_its_line_and_field_not_a_server_error()
    {
        var (_, key) = await service.Organisation();
        var creator = await service.Creator(key);
        using var client = service.Client(key);
        var data = ChatData.Valid(conversations: 2) + "{\"messages\": [{\"role\": \"user\", \"content\": \"hi \\ud800\"}, {\"role\": \"assistant\", \"content\": \"x\"}]}\n";

        var error = await ServiceFactory.Error(await client.PostAsync("/v1/files", ServiceFactory.Upload(data, "surrogate.jsonl", creator: creator)), 400);

        Assert.Equal("invalid_file", error.GetProperty("code").GetString());
        var problem = Assert.Single(error.GetProperty("twinforge").GetProperty("problems").EnumerateArray());
        Assert.Equal((3, "messages[0].content"), (problem.GetProperty("line").GetInt64(), problem.GetProperty("field").GetString()));
        Assert.Contains("surrogate.jsonl:3: 'messages[0].content': is not valid Unicode text", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_file_of_one_conversation_is_accepted_as_holding_out_is_the_jobs_choice()
    {
        var (_, key) = await service.Organisation();
        var creator = await service.Creator(key);
        using var client = service.Client(key);

        var file = await ServiceFactory.Json(await client.PostAsync("/v1/files", ServiceFactory.Upload(ChatData.Valid(conversations: 1), "one.jsonl", creator: creator)));

        Assert.Equal("one.jsonl", file.GetProperty("filename").GetString());
    }

    [Fact]
    public async Task An_upload_over_the_limit_is_refused_with_413()
    {
        var (_, key) = await service.Organisation();
        var creator = await service.Creator(key);
        using var client = service.Client(key);
        var large = ChatData.Valid(conversations: 80);
        Assert.True(large.Length > 4096);

        var error = await ServiceFactory.Error(await client.PostAsync("/v1/files", ServiceFactory.Upload(large, creator: creator)), 413);

        Assert.Equal("file", error.GetProperty("param").GetString());
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(service.DataDirectory, "uploads")));
    }

    [Fact]
    public async Task A_purpose_other_than_fine_tune_or_a_body_that_is_not_a_form_is_refused_with_400()
    {
        var (_, key) = await service.Organisation();
        var creator = await service.Creator(key);
        using var client = service.Client(key);

        var purpose = await ServiceFactory.Error(await client.PostAsync("/v1/files", ServiceFactory.Upload(ChatData.Valid(), purpose: "assistants", creator: creator)), 400);
        Assert.Equal("purpose", purpose.GetProperty("param").GetString());
        await ServiceFactory.Error(await client.PostAsJsonAsync("/v1/files", new { file = "x" }), 400);
    }

    public void Dispose() => service.Dispose();
}
