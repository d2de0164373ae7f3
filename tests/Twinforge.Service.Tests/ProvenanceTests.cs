using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Twinforge.Cli;
using Twinforge.Registry.Records;
using Twinforge.Service.Hosting;
using Twinforge.Twins.Provenance;

namespace Twinforge.Service.Tests;

/// <summary>
/// Every completion, whole or streamed, gets a signed provenance record: named by a header, carried whole in
/// <c>twinforge.provenance</c>, stored in the registry, readable by its organisation only, verifiable offline with the
/// published key (by the library and by <c>twinforge provenance verify</c>), and kept — marked, without content — when
/// the creator withdraws consent.
/// </summary>
[Collection("Twins")]
public sealed class ProvenanceTests(TwinService twins)
{
    const string Question = "spring question 3?";

    async Task<ProvenancePublicKey> PublishedKey()
    {
        using var anonymous = twins.Service.Client(null);
        var published = await ServiceFactory.Json(await anonymous.GetAsync("/v1/provenance/public_key"));
        var key = ProvenancePublicKey.FromPem(published.GetProperty("pem").GetString()!);
        Assert.Equal(key.KeyId, published.GetProperty("key_id").GetString());
        Assert.Equal(key.KeyId, published.GetProperty("jwk").GetProperty("kid").GetString());
        return key;
    }

    static object Request(string model, bool stream = false, bool includeUsage = true, string question = Question) => stream
        ? new { model, messages = new[] { new { role = "user", content = question } }, max_tokens = 12, temperature = 0, stream, stream_options = new { include_usage = includeUsage } }
        : new { model, messages = new[] { new { role = "user", content = question } }, max_tokens = 12, temperature = 0 };

    /// <summary>A whole completion: its JSON and the header naming its record.</summary>
    async Task<(JsonElement Completion, string Header)> Complete(string key, string model)
    {
        using var client = twins.Service.Client(key);
        var response = await client.PostAsJsonAsync("/v1/chat/completions", Request(model));
        var completion = await ServiceFactory.Json(response);
        return (completion, Assert.Single(response.Headers.GetValues("x-twinforge-provenance")));
    }

    /// <summary>A streamed completion's data events (before [DONE]) and the header naming its record.</summary>
    async Task<(List<JsonElement> Chunks, string Header, bool Done)> Stream(string key, string model, bool includeUsage)
    {
        using var client = twins.Service.Client(key);
        var response = await client.PostAsJsonAsync("/v1/chat/completions", Request(model, stream: true, includeUsage));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        var events = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e["data: ".Length..]).ToList();
        var done = events[^1] == "[DONE]";
        var chunks = events.Where(e => e != "[DONE]").Select(e => JsonDocument.Parse(e).RootElement.Clone()).ToList();
        return (chunks, Assert.Single(response.Headers.GetValues("x-twinforge-provenance")), done);
    }

    [Fact]
    public async Task A_completion_carries_its_signed_record_in_a_header_and_a_field_and_the_registry_keeps_it()
    {
        var (completion, header) = await Complete(twins.Key, "ana-style");

        var record = completion.GetProperty("twinforge").GetProperty("provenance");
        var verdict = (await PublishedKey()).Verify(record);
        Assert.True(verdict.IsValid, verdict.Problem);
        var read = verdict.Record!;
        var text = completion.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
        var usage = completion.GetProperty("usage");
        Assert.Equal(header, read.Id);
        Assert.Equal((completion.GetProperty("id").GetString(), twins.ModelId, twins.Organisation), (read.CompletionId, read.Model, read.Organization));
        Assert.Equal((twins.AnaId, "ana-style", 1), (read.Creator, read.Twin, read.TwinVersion));
        Assert.Equal(twins.Version.Artifacts.Single(a => a.Kind == ArtifactReference.Adapter).ContentHash, read.AdapterSha256);
        Assert.Equal(("tiny", twins.Twins.Base.ContentHash), (read.BaseModel, read.BaseModelSha256));
        Assert.Equal((usage.GetProperty("prompt_tokens").GetInt32(), usage.GetProperty("completion_tokens").GetInt32()), (read.PromptTokens, read.CompletionTokens));
        Assert.Equal(new ProvenanceSampling(0, 1, 12, null, []), read.Sampling);
        Assert.Equal(ProvenanceRecord.Sha256(text), read.TextSha256);
        Assert.Equal(ProvenanceRecord.Sha256($$"""[{"content":"{{Question}}","role":"user"}]"""), read.PromptSha256);
        Assert.Equal(completion.GetProperty("created").GetInt64(), read.Created);
        Assert.Equal($"wm-{twins.Organisation}-1", read.WatermarkKeyId);

        using var client = twins.Service.Client(twins.Key);
        var stored = await ServiceFactory.Json(await client.GetAsync($"/v1/provenance/{header}"));
        Assert.Equal(record.GetRawText(), stored.GetProperty("record").GetRawText());
        Assert.Equal(JsonValueKind.Null, stored.GetProperty("erased_at").ValueKind);
        // Acme has not opted in: only the hashes are kept.
        Assert.Equal((JsonValueKind.Null, JsonValueKind.Null), (stored.GetProperty("prompt").ValueKind, stored.GetProperty("text").ValueKind));
        var row = twins.Service.Services.GetRequiredService<ServiceStorage>().Registry.FindProvenance(
            twins.Twins.Creator(twins.Organisation, twins.AnaId).OrganisationId!.Value, header)!;
        Assert.Equal((twins.Version.Id, 1, (string?)null), (row.VersionId, row.VersionNumber, row.CompletionText));
    }

    [Fact]
    public async Task A_tampered_record_is_refused_by_the_library_and_by_the_command_line()
    {
        var (completion, _) = await Complete(twins.Key, "ana-style");
        var key = await PublishedKey();
        using var scratch = new TemporaryFiles();
        using var anonymous = twins.Service.Client(null);
        var keyFile = scratch.Write("key.json", await anonymous.GetStringAsync("/v1/provenance/public_key"));
        var untouched = scratch.Write("completion.json", completion.GetRawText());
        var tampered = JsonNode.Parse(completion.GetProperty("twinforge").GetProperty("provenance").GetRawText())!.AsObject();
        tampered["completion_tokens"] = tampered["completion_tokens"]!.GetValue<int>() + 1;
        var swapped = JsonNode.Parse(completion.GetProperty("twinforge").GetProperty("provenance").GetRawText())!.AsObject();
        var (other, _) = await Complete(twins.Key, "ana-style");
        swapped["signature"] = other.GetProperty("twinforge").GetProperty("provenance").GetProperty("signature").GetString();
        var edited = JsonNode.Parse(completion.GetRawText())!.AsObject();
        edited["choices"]![0]!["message"]!["content"] = "words the twin never said";

        Assert.Equal(ProvenanceFailure.SignatureMismatch, key.Verify(JsonSerializer.SerializeToElement(tampered)).Failure);
        Assert.Equal(ProvenanceFailure.SignatureMismatch, key.Verify(JsonSerializer.SerializeToElement(swapped)).Failure);
        var valid = Verify(untouched, "--public-key", keyFile);
        Assert.True(valid.ExitCode == 0, valid.Error);
        Assert.StartsWith($"valid: {completion.GetProperty("twinforge").GetProperty("provenance").GetProperty("id").GetString()}", valid.Output);
        Assert.Equal((1, "invalid: signature mismatch"), Outcome(Verify(scratch.Write("tampered.json", tampered.ToJsonString()), "--public-key", keyFile)));
        Assert.Equal((1, "invalid: signature mismatch"), Outcome(Verify(scratch.Write("swapped.json", swapped.ToJsonString()), "--public-key", keyFile)));
        Assert.Equal((1, "invalid: content mismatch"), Outcome(Verify(scratch.Write("edited.json", edited.ToJsonString()), "--public-key", keyFile)));
    }

    static (int ExitCode, string Output, string Error) Verify(params string[] arguments)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = CommandRunner.Invoke(TwinforgeCommands.CreateRoot(new StringReader("")), ["provenance", "verify", .. arguments], output, error);
        return (exit, output.ToString(), error.ToString());
    }

    static (int, string) Outcome((int ExitCode, string Output, string Error) run) =>
        (run.ExitCode, run.Error.Split(':')[0] + ":" + run.Error.Split(':')[1]);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_streamed_completion_names_its_record_in_the_header_and_carries_it_in_the_last_chunk(bool includeUsage)
    {
        var (chunks, header, done) = await Stream(twins.Key, "ana-style", includeUsage);

        Assert.True(done);
        var carrying = Assert.Single(chunks, chunk => chunk.TryGetProperty("twinforge", out _));
        Assert.Equal(chunks[^1].GetRawText(), carrying.GetRawText());
        Assert.Equal(includeUsage, carrying.TryGetProperty("usage", out _));
        var verdict = (await PublishedKey()).Verify(carrying.GetProperty("twinforge").GetProperty("provenance"));
        Assert.True(verdict.IsValid, verdict.Problem);
        // The chunk as a whole too: its own model, id and usage agree with the record it carries.
        var asChunk = ProvenanceDocument.Read(carrying).Verify(await PublishedKey());
        Assert.True(asChunk.IsValid, asChunk.Problem);
        var text = string.Concat(chunks.SelectMany(c => c.GetProperty("choices").EnumerateArray())
            .Select(choice => choice.GetProperty("delta").TryGetProperty("content", out var content) ? content.GetString() : ""));
        Assert.Equal((header, chunks[0].GetProperty("id").GetString(), ProvenanceRecord.Sha256(text)), (verdict.Record!.Id, verdict.Record.CompletionId, verdict.Record.TextSha256));
        using var client = twins.Service.Client(twins.Key);
        await ServiceFactory.Json(await client.GetAsync($"/v1/provenance/{header}"));
    }

    [Fact]
    public async Task Another_organisation_reads_neither_the_twin_nor_its_records()
    {
        var (_, header) = await Complete(twins.Key, "ana-style");
        using var other = twins.Service.Client(twins.OtherKey);

        var foreign = await ServiceFactory.Error(await other.GetAsync($"/v1/provenance/{header}"), 404);
        var unknown = await ServiceFactory.Error(await other.GetAsync($"/v1/provenance/{PublicIds.New(PublicIds.Provenance)}"), 404);
        Assert.Equal(unknown.GetProperty("code").GetString(), foreign.GetProperty("code").GetString());
        await ServiceFactory.Error(await other.GetAsync("/v1/provenance/..%2F..%2Fregistry.db"), 404);
        var chat = await ServiceFactory.Error(await other.PostAsJsonAsync("/v1/chat/completions", Request($"{twins.AnaId}/ana-style")), 404);
        Assert.Equal("model_not_found", chat.GetProperty("code").GetString());
        // Without a key, nothing but the public key.
        using var anonymous = twins.Service.Client(null);
        await ServiceFactory.Error(await anonymous.GetAsync($"/v1/provenance/{header}"), 401);
    }

    [Fact]
    public async Task With_the_organisations_opt_in_the_record_keeps_the_prompt_and_text_until_consent_is_withdrawn()
    {
        var (organisation, key) = await twins.Service.Organisation("Keeper");
        using var admin = twins.Service.Client(ServiceFactory.AdminKey);
        Assert.False((await ServiceFactory.Json(await admin.GetAsync($"/admin/organizations/{organisation}"))).GetProperty("record_completion_content").GetBoolean());
        var modified = await ServiceFactory.Json(await admin.PostAsJsonAsync($"/admin/organizations/{organisation}", new { record_completion_content = true }));
        Assert.True(modified.GetProperty("record_completion_content").GetBoolean());
        var cy = await twins.Service.Creator(key, "Cy");
        twins.Twins.Train(twins.Twins.Creator(organisation, cy), "cy-style", "autumn");
        var (completion, header) = await Complete(key, "cy-style");
        var text = completion.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString();
        using var client = twins.Service.Client(key);

        var stored = await ServiceFactory.Json(await client.GetAsync($"/v1/provenance/{header}"));
        Assert.Equal(text, stored.GetProperty("text").GetString());
        Assert.Equal(Question, stored.GetProperty("prompt")[0].GetProperty("content").GetString());
        var publishedKey = await PublishedKey();
        Assert.True(ProvenanceDocument.Read(stored).Verify(publishedKey).IsValid);

        await ServiceFactory.Json(await client.PostAsJsonAsync($"/v1/creators/{cy}/consents/withdraw", new { scope = "text", reason = "asked by email" }));

        Assert.Equal("model_not_found", (await ServiceFactory.Error(await client.PostAsJsonAsync("/v1/chat/completions", Request("cy-style")), 404))
            .GetProperty("code").GetString());
        var kept = await ServiceFactory.Json(await client.GetAsync($"/v1/provenance/{header}"));
        Assert.NotEqual(JsonValueKind.Null, kept.GetProperty("erased_at").ValueKind);
        Assert.Equal((JsonValueKind.Null, JsonValueKind.Null), (kept.GetProperty("prompt").ValueKind, kept.GetProperty("text").ValueKind));
        Assert.Equal(stored.GetProperty("record").GetRawText(), kept.GetProperty("record").GetRawText());
        Assert.True(publishedKey.Verify(kept.GetProperty("record")).IsValid);
    }

    /// <summary>Files for the command line to read, deleted afterwards.</summary>
    sealed class TemporaryFiles : IDisposable
    {
        readonly string directory = Directory.CreateTempSubdirectory("twinforge-provenance-").FullName;

        public string Write(string name, string text)
        {
            var path = Path.Combine(directory, name);
            File.WriteAllText(path, text, Encoding.UTF8);
            return path;
        }

        public void Dispose() => Directory.Delete(directory, recursive: true);
    }
}
