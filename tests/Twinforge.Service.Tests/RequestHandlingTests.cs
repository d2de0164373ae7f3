using System.Net.Http.Json;
using System.Text;

namespace Twinforge.Service.Tests;

/// <summary>Malformed requests, unknown URLs, the rate limit, health, readiness and the OpenAPI document.</summary>
public sealed class RequestHandlingTests : IDisposable
{
    readonly ServiceFactory service = new(new Dictionary<string, string?> { ["Twinforge:RateLimit:PermitLimit"] = "25" });

    [Fact]
    public async Task Malformed_json_and_missing_fields_are_400_in_the_error_shape()
    {
        var (_, key) = await service.Organisation();
        using var client = service.Client(key);

        var malformed = await ServiceFactory.Error(await client.PostAsync("/v1/creators", new StringContent("{\"name\": \"Ana\",", Encoding.UTF8, "application/json")), 400);
        Assert.Contains("JSON", malformed.GetProperty("message").GetString());
        var missing = await ServiceFactory.Error(await client.PostAsJsonAsync("/v1/creators", new { consent = new { scope = "text" } }), 400);
        Assert.Equal("name", missing.GetProperty("param").GetString());
        var badScope = await ServiceFactory.Error(await client.PostAsJsonAsync("/v1/creators", new { name = "Ana", consent = new { scope = "Not A Scope!" } }), 400);
        Assert.Equal(("consent.scope", "invalid_value"), (badScope.GetProperty("param").GetString(), badScope.GetProperty("code").GetString()));
        await ServiceFactory.Error(await client.GetAsync("/v1/no_such_thing"), 404);
        using var admin = service.Client(ServiceFactory.AdminKey);
        await ServiceFactory.Error(await admin.PostAsync("/admin/organizations", new StringContent("[1,2", Encoding.UTF8, "application/json")), 400);
    }

    /// <summary>What the framework could not bind is said in the API's terms: the field at fault, no .NET type names.</summary>
    [Fact]
    public async Task Values_of_the_wrong_type_and_bodies_of_the_wrong_kind_name_the_parameter_without_dotnet_types()
    {
        var (_, key) = await service.Organisation();
        using var client = service.Client(key);

        var wrongType = await ServiceFactory.Error(await client.PostAsync("/v1/creators", new StringContent("{\"name\": 5}", Encoding.UTF8, "application/json")), 400);
        Assert.Equal(("name", "invalid_type"), (wrongType.GetProperty("param").GetString(), wrongType.GetProperty("code").GetString()));
        Assert.Equal("'name' must be a string, not a number: see the API reference for what it takes.", wrongType.GetProperty("message").GetString());
        // The type the field takes, whichever was sent: a number, true or false, a whole number, an object.
        async Task<string> ChatError(string body) => (await ServiceFactory.Error(
            await client.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json")), 400)).GetProperty("message").GetString()!;
        Assert.StartsWith("'stream' must be true or false, not a string", await ChatError("{\"model\": \"m\", \"messages\": [], \"stream\": \"yes\"}"));
        Assert.StartsWith("'max_tokens' must be a whole number", await ChatError("{\"model\": \"m\", \"messages\": [], \"max_tokens\": 1.5}"));
        Assert.StartsWith("'max_tokens' must be a whole number, not a string", await ChatError("{\"model\": \"m\", \"messages\": [], \"max_tokens\": \"10\"}"));
        Assert.StartsWith("'temperature' must be a number", await ChatError("{\"model\": \"m\", \"messages\": [], \"temperature\": \"hot\"}"));
        Assert.StartsWith("'messages' must be a list", await ChatError("{\"model\": \"m\", \"messages\": 3}"));
        Assert.Equal("The request body must be a JSON object: see the API reference for its fields.", await ChatError("[]"));
        Assert.StartsWith("The request body is empty: send a JSON object", await ChatError(""));
        Assert.StartsWith("The request body is empty: send a JSON object", await ChatError("null"));
        var badQuery = await ServiceFactory.Error(await client.GetAsync("/v1/fine_tuning/jobs?limit=abc"), 400);
        Assert.Equal("limit", badQuery.GetProperty("param").GetString());
        Assert.Equal("'limit' cannot be \"abc\": it is a whole number.", badQuery.GetProperty("message").GetString());
        var notJson = await ServiceFactory.Error(await client.PostAsync("/v1/creators", new StringContent("name=Ana", Encoding.UTF8, "application/x-www-form-urlencoded")), 415);
        Assert.Contains("Content-Type: application/json", notJson.GetProperty("message").GetString());
        var malformed = await ServiceFactory.Error(await client.PostAsync("/v1/creators", new StringContent("{\"name\": }", Encoding.UTF8, "application/json")), 400);
        Assert.StartsWith("The request body is not valid JSON (line 1, byte ", malformed.GetProperty("message").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, malformed.GetProperty("param").ValueKind); // broken JSON is the body's fault, not a field's
        foreach (var error in new[] { wrongType, badQuery, notJson, malformed })
            Assert.DoesNotMatch("Twinforge\\.|Nullable|System\\.", error.GetProperty("message").GetString()!);
    }

    /// <summary>
    /// A number sent as a string is the wrong type, as the hosted API says ("10" was read as 10 for max_tokens, n and
    /// seed); a string that parses but is no text (a lone surrogate escape, bytes that are not UTF-8) is a 400 naming
    /// the field, not a 500 from whatever read it first.
    /// </summary>
    [Fact]
    public async Task Numbers_sent_as_strings_and_strings_that_are_no_text_are_400_naming_the_field()
    {
        var (_, key) = await service.Organisation();
        using var client = service.Client(key);
        async Task<System.Text.Json.JsonElement> Refused(string url, string body) =>
            await ServiceFactory.Error(await client.PostAsync(url, new StringContent(body, Encoding.UTF8, "application/json")), 400);
        const string hi = "[{\"role\": \"user\", \"content\": \"hi\"}]";

        foreach (var (field, value) in new[] { ("max_tokens", "\"10\""), ("n", "\"2\""), ("seed", "\"7\""), ("temperature", "\"0.5\""), ("top_logprobs", "\"2\"") })
        {
            var error = await Refused("/v1/chat/completions", $"{{\"model\": \"m\", \"messages\": {hi}, \"{field}\": {value}}}");
            Assert.Equal((field, "invalid_type"), (error.GetProperty("param").GetString(), error.GetProperty("code").GetString()));
            Assert.EndsWith("not a string: see the API reference for what it takes.", error.GetProperty("message").GetString());
        }
        var completionLimit = await Refused("/v1/completions", "{\"model\": \"m\", \"prompt\": \"hi\", \"max_tokens\": \"3\"}");
        Assert.Equal("max_tokens", completionLimit.GetProperty("param").GetString());

        foreach (var (url, body, param) in new[]
        {
            ("/v1/chat/completions", "{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"\\ud800 hi\"}]}", "messages[0].content"),
            ("/v1/chat/completions", "{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"\\udc00\"}]}]}", "messages[0].content[0].text"),
            ("/v1/chat/completions", $"{{\"model\": \"m\", \"messages\": {hi}, \"stop\": [\"ok\", \"\\ud800\"]}}", "stop[1]"),
            ("/v1/completions", "{\"model\": \"m\", \"prompt\": \"\\ud800 hi\"}", "prompt"),
            ("/v1/creators", "{\"name\": \"\\udc00 Ana\"}", "name"),
            ("/v1/watermark/detect", "{\"model\": \"m\", \"text\": \"\\udc00 hi\"}", "text"),
        })
        {
            var error = await Refused(url, body);
            Assert.Equal((param, "invalid_value"), (error.GetProperty("param").GetString(), error.GetProperty("code").GetString()));
            Assert.Equal($"'{param}' is not valid Unicode text: it holds a \\uD800–\\uDFFF escape that is not half of a pair (a lone surrogate), or bytes that are not UTF-8.",
                error.GetProperty("message").GetString());
        }

        // Bytes that are no UTF-8 inside a string of the body.
        var bytes = Encoding.UTF8.GetBytes("{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"XX\"}]}");
        var at = Encoding.UTF8.GetString(bytes).IndexOf("XX", StringComparison.Ordinal);
        (bytes[at], bytes[at + 1]) = (0xFF, 0xFE);
        using var raw = new ByteArrayContent(bytes);
        raw.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        var notUtf8 = await ServiceFactory.Error(await client.PostAsync("/v1/chat/completions", raw), 400);
        Assert.Contains("UTF-8", notUtf8.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_key_over_its_rate_limit_gets_429_and_other_keys_do_not()
    {
        var (_, key) = await service.Organisation();
        var (_, other) = await service.Organisation("Other");
        using var client = service.Client(key);

        var statuses = new List<int>();
        for (int i = 0; i < 30; i++) statuses.Add((int)(await client.GetAsync("/v1/files")).StatusCode);

        Assert.Equal(25, statuses.Count(status => status == 200));
        var limited = await client.GetAsync("/v1/files");
        var error = await ServiceFactory.Error(limited, 429);
        Assert.Equal("rate_limit_exceeded", error.GetProperty("code").GetString());
        Assert.True(limited.Headers.RetryAfter is not null);
        await ServiceFactory.Json(await service.Client(other).GetAsync("/v1/files"));
        await ServiceFactory.Json(await client.GetAsync("/healthz")); // health is never limited
    }

    [Fact]
    public async Task Health_readiness_and_the_openapi_document_need_no_key()
    {
        using var anonymous = service.Client(null);

        await ServiceFactory.Json(await anonymous.GetAsync("/healthz"));
        var ready = await ServiceFactory.Json(await anonymous.GetAsync("/readyz"));
        Assert.Equal("ok", ready.GetProperty("checks").GetProperty("database").GetString());
        var openApi = await ServiceFactory.Json(await anonymous.GetAsync("/openapi/v1.json"));
        Assert.True(openApi.GetProperty("paths").TryGetProperty("/v1/files", out _));
        Assert.True((await anonymous.GetAsync("/healthz")).Headers.Contains("x-request-id"));
    }

    [Fact]
    public async Task Readiness_is_503_when_the_artifact_store_cannot_be_written()
    {
        using var anonymous = service.Client(null);
        await ServiceFactory.Json(await anonymous.GetAsync("/readyz"));
        var store = Path.Combine(service.DataDirectory, "artifacts");
        if (Directory.Exists(store)) Directory.Delete(store, recursive: true);
        await File.WriteAllTextAsync(store, "not a directory");

        var response = await anonymous.GetAsync("/readyz");

        Assert.Equal(503, (int)response.StatusCode);
        Assert.Contains("unreachable", await response.Content.ReadAsStringAsync());
        File.Delete(store);
    }

    public void Dispose() => service.Dispose();
}
