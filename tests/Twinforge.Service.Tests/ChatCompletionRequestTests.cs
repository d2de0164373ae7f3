using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Twinforge.Engine.Generation;
using Twinforge.Engine.Tokenization;
using Twinforge.Engine.Watermarking;

namespace Twinforge.Service.Tests;

/// <summary>
/// Chat completions over raw HTTP: the wire format the SDKs parse (whole and as server-sent events), and every refusal
/// in the API's error shape with the parameter at fault.
/// </summary>
[Collection("Twins")]
public sealed class ChatCompletionRequestTests(TwinService twins)
{
    static object Ask(string model, string content = "spring question 3?") => new { model, messages = new[] { new { role = "user", content } } };

    HttpClient Client(string? key = null) => twins.Service.Client(key ?? twins.Key);

    static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task A_whole_completion_has_the_hosted_apis_shape_and_max_tokens_is_the_legacy_limit()
    {
        using var client = Client();

        var completion = await ServiceFactory.Json(await client.PostAsJsonAsync("/v1/chat/completions",
            new { model = "ana-style", messages = new[] { new { role = "user", content = "spring question 3?" } }, max_tokens = 2, temperature = 0, user = "u-1" }));

        Assert.Equal("chat.completion", completion.GetProperty("object").GetString());
        Assert.StartsWith("chatcmpl-", completion.GetProperty("id").GetString());
        Assert.Equal(twins.ModelId, completion.GetProperty("model").GetString());
        var choice = Assert.Single(completion.GetProperty("choices").EnumerateArray().ToList());
        Assert.Equal(0, choice.GetProperty("index").GetInt32());
        Assert.Equal("assistant", choice.GetProperty("message").GetProperty("role").GetString());
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(2, completion.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        var usage = completion.GetProperty("usage");
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32() + 2, usage.GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task A_stream_is_server_sent_events_role_first_then_content_then_finish_then_usage_then_done()
    {
        using var client = Client();
        var body = new
        {
            model = "ana-style", temperature = 0, max_completion_tokens = 10, stream = true, stream_options = new { include_usage = true },
            messages = new object[] { new { role = "user", content = new object[] { new { type = "text", text = "spring question 3?" } } } },
        };

        using var response = await client.PostAsJsonAsync("/v1/chat/completions", body);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        var events = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.All(events, e => Assert.StartsWith("data: ", e));
        Assert.Equal("data: [DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement).ToList();
        Assert.All(chunks, chunk => Assert.Equal("chat.completion.chunk", chunk.GetProperty("object").GetString()));
        Assert.All(chunks, chunk => Assert.Equal(twins.ModelId, chunk.GetProperty("model").GetString()));
        var firstDelta = chunks[0].GetProperty("choices")[0].GetProperty("delta");
        Assert.Equal("assistant", firstDelta.GetProperty("role").GetString());
        Assert.Equal("", firstDelta.GetProperty("content").GetString());
        Assert.Equal(JsonValueKind.Null, chunks[0].GetProperty("choices")[0].GetProperty("finish_reason").ValueKind);
        var finish = chunks[^2].GetProperty("choices")[0];
        Assert.Equal("length", finish.GetProperty("finish_reason").GetString());
        Assert.Empty(finish.GetProperty("delta").EnumerateObject());
        Assert.Empty(chunks[^1].GetProperty("choices").EnumerateArray());
        Assert.Equal(10, chunks[^1].GetProperty("usage").GetProperty("completion_tokens").GetInt32());

        var whole = await ServiceFactory.Json(await client.PostAsJsonAsync("/v1/chat/completions",
            new { model = "ana-style", temperature = 0, max_completion_tokens = 10, messages = new[] { new { role = "user", content = "spring question 3?" } } }));
        var streamed = string.Concat(chunks[1..^2].Select(chunk => chunk.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString()));
        Assert.Equal(whole.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(), streamed);
    }

    [Fact]
    public async Task N_seeded_choices_differ_reproduce_and_are_counted_once_for_the_prompt()
    {
        using var client = Client();
        object Body(long seed) => new { model = "ana-style", messages = new[] { new { role = "user", content = "spring question 3?" } }, n = 3, seed, max_tokens = 12 };

        var first = await client.PostAsJsonAsync("/v1/chat/completions", Body(7));
        var completion = await ServiceFactory.Json(first);
        var again = await ServiceFactory.Json(await client.PostAsJsonAsync("/v1/chat/completions", Body(7)));

        static List<string?> Texts(JsonElement c) => c.GetProperty("choices").EnumerateArray().Select(choice => choice.GetProperty("message").GetProperty("content").GetString()).ToList();
        var choices = completion.GetProperty("choices").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2], choices.Select(choice => choice.GetProperty("index").GetInt32()));
        Assert.Equal(Texts(completion), Texts(again));
        Assert.True(Texts(completion).Distinct().Count() > 1, "seeded choices sample with different seeds");
        var usage = completion.GetProperty("usage");
        var single = await ServiceFactory.Json(await client.PostAsJsonAsync("/v1/chat/completions",
            new { model = "ana-style", messages = new[] { new { role = "user", content = "spring question 3?" } }, max_tokens = 1 }));
        Assert.Equal(single.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(), usage.GetProperty("prompt_tokens").GetInt32()); // the prompt once
        Assert.InRange(usage.GetProperty("completion_tokens").GetInt32(), choices.Count, choices.Count * 12);
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32() + usage.GetProperty("completion_tokens").GetInt32(), usage.GetProperty("total_tokens").GetInt32());
        var ids = first.Headers.GetValues("x-twinforge-provenance").Single().Split(',');
        var records = completion.GetProperty("twinforge").GetProperty("choice_provenance").EnumerateArray().ToList();
        Assert.Equal(ids, records.Select(record => record.GetProperty("id").GetString()));
        Assert.Equal(3, ids.Distinct().Count());
        Assert.Equal(ids[0], completion.GetProperty("twinforge").GetProperty("provenance").GetProperty("id").GetString());
    }

    [Fact]
    public async Task Logprobs_give_each_tokens_log_probability_and_alternatives_whole_and_streamed_alike()
    {
        using var client = Client();
        var ask = new { model = "ana-style", messages = new[] { new { role = "user", content = "spring question 3?" } }, temperature = 0, max_tokens = 96, logprobs = true, top_logprobs = 2 };

        var completion = await ServiceFactory.Json(await client.PostAsJsonAsync("/v1/chat/completions", ask));
        using var response = await client.PostAsJsonAsync("/v1/chat/completions", new { ask.model, ask.messages, ask.temperature, ask.max_tokens, ask.logprobs, ask.top_logprobs, stream = true });
        var streamed = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries)[..^1]
            .Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement.GetProperty("choices")[0])
            .Where(choice => choice.GetProperty("logprobs").ValueKind == JsonValueKind.Object)
            .SelectMany(choice => choice.GetProperty("logprobs").GetProperty("content").EnumerateArray()).ToList();

        var choice = completion.GetProperty("choices")[0];
        var tokens = choice.GetProperty("logprobs").GetProperty("content").EnumerateArray().ToList();
        Assert.Equal(completion.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), tokens.Count);
        // Greedy under the organisation's watermark: the raw most likely token, unless a green one within δ of it wins
        // (the log-probabilities are the raw distribution's). Byte-level ids are the bytes, so colours can be checked
        // where the tokens are whole characters (a byte that is not has no "bytes" here).
        var watermark = twins.Watermark;
        var greenList = new GreenList(watermark);
        var promptIds = TextGenerator.ChatPrompt(new ByteLevelTokenizer(), [new ChatMessage(ChatRole.User, "spring question 3?")], new GenerationOptions()).Ids;
        int raised = 0;
        for (int i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            Assert.True(token.GetProperty("logprob").GetSingle() <= 0);
            var top = token.GetProperty("top_logprobs").EnumerateArray().ToList();
            Assert.Equal(2, top.Count);
            Assert.True(top[0].GetProperty("logprob").GetSingle() >= top[1].GetProperty("logprob").GetSingle());
            Assert.InRange(top[0].GetProperty("logprob").GetSingle() - token.GetProperty("logprob").GetSingle(), 0, watermark.Delta + 1e-4);
            if (token.GetProperty("token").GetString() == top[0].GetProperty("token").GetString()) continue;
            static int? Byte(JsonElement element) => element.GetProperty("bytes") is { ValueKind: JsonValueKind.Array } bytes && bytes.GetArrayLength() == 1 ? bytes[0].GetInt32() : null;
            int? previous = i == 0 ? promptIds[^1] : Byte(tokens[i - 1]);
            if (previous is null || Byte(token) is not int chosen || Byte(top[0]) is not int best) continue;
            Assert.True(greenList.Contains(previous.Value, chosen) && !greenList.Contains(previous.Value, best), $"token {i}: red, or a green one beaten");
            raised++;
        }
        Assert.True(raised > 0, "no token where the watermark changed the greedy choice: the check above checked nothing");
        Assert.Equal(tokens.Select(token => token.GetRawText()), streamed.Select(token => token.GetRawText()));
        var without = await ServiceFactory.Json(await client.PostAsJsonAsync("/v1/chat/completions", new { ask.model, ask.messages, ask.temperature, ask.max_tokens }));
        Assert.Equal(JsonValueKind.Null, without.GetProperty("choices")[0].GetProperty("logprobs").ValueKind);
    }

    [Fact]
    public async Task Without_include_usage_a_stream_has_no_usage_chunk()
    {
        using var client = Client();

        using var response = await client.PostAsJsonAsync("/v1/chat/completions",
            new { model = "ana-style", max_tokens = 3, stream = true, messages = new[] { new { role = "user", content = "hi" } } });
        var text = await response.Content.ReadAsStringAsync();

        Assert.DoesNotContain("\"usage\"", text);
        Assert.EndsWith("data: [DONE]\n\n", text);
    }

    [Fact]
    public async Task Unknown_models_and_another_organisations_twin_are_the_same_404_model_not_found()
    {
        using var other = Client(twins.OtherKey);

        var missing = await ServiceFactory.Error(await other.PostAsJsonAsync("/v1/chat/completions", Ask("no-such-twin")), 404);
        Assert.Equal("model_not_found", missing.GetProperty("code").GetString());
        Assert.Equal("model", missing.GetProperty("param").GetString());
        Assert.Equal("invalid_request_error", missing.GetProperty("type").GetString());
        foreach (var name in new[] { "ana-style", "ana-style@1", "ana-style@production", $"{twins.AnaId}/ana-style", twins.ModelId })
        {
            var error = await ServiceFactory.Error(await other.PostAsJsonAsync("/v1/chat/completions", Ask(name)), 404);
            Assert.Equal("model_not_found", error.GetProperty("code").GetString());
            Assert.Equal(missing.GetProperty("message").GetString()!.Replace("no-such-twin", "X"), error.GetProperty("message").GetString()!.Replace(name, "X"));
        }
        // Path-like names name nothing either.
        await ServiceFactory.Error(await other.PostAsJsonAsync("/v1/chat/completions", Ask("../../etc/passwd")), 404);
        await ServiceFactory.Error(await Client().PostAsJsonAsync("/v1/chat/completions", Ask("ana-style@7")), 404);
    }

    [Fact]
    public async Task A_version_that_failed_is_not_served()
    {
        var ana = twins.Twins.Creator(twins.Organisation, twins.AnaId);
        twins.Twins.Failed(ana, "broken");
        using var client = Client();

        var byVersion = await ServiceFactory.Error(await client.PostAsJsonAsync("/v1/chat/completions", Ask("broken@1")), 404);
        var byTwin = await ServiceFactory.Error(await client.PostAsJsonAsync("/v1/chat/completions", Ask("broken")), 404);

        Assert.Equal("model_not_found", byVersion.GetProperty("code").GetString());
        Assert.Contains("failed", byVersion.GetProperty("message").GetString());
        Assert.Contains("no succeeded version", byTwin.GetProperty("message").GetString());
        var listed = await ServiceFactory.Json(await client.GetAsync("/v1/models"));
        Assert.DoesNotContain(listed.GetProperty("data").EnumerateArray(), model => model.GetProperty("id").GetString()!.Contains("broken"));
    }

    [Theory]
    [InlineData("""{"model":"ana-style","messages":[{"role":"user","content":"hi"}],"n":0}""", "n")]
    [InlineData("""{"model":"ana-style","messages":[{"role":"user","content":"hi"}],"n":9}""", "n")]
    [InlineData("""{"model":"ana-style","messages":[{"role":"user","content":"hi"}],"temperature":-1}""", "temperature")]
    [InlineData("""{"model":"ana-style","messages":[{"role":"user","content":"hi"}],"temperature":2.5,"stream":true}""", "temperature")]
    [InlineData("""{"model":"ana-style","messages":[{"role":"user","content":"hi"}],"top_p":1.5}""", "top_p")]
    [InlineData("""{"model":"ana-style"}""", "messages")]
    [InlineData("""{"model":"ana-style","messages":[]}""", "messages")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}]}""", "model")]
    [InlineData("""{"model":"ana-style","messages":[{"role":"tool","content":"hi"}]}""", "messages[0].role")]
    [InlineData("""{"model":"ana-style","messages":[{"content":"hi"}]}""", "messages[0].role")]
    [InlineData("""{"model":"ana-style","messages":[{"role":"user"}]}""", "messages[0].content")]
    [InlineData("""{"model":"ana-style","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]}""", "messages[0].content[0].type")]
    [InlineData("""{"model":"ana-style","messages":[{"role":"user","content":"hi"}],"max_tokens":0}""", "max_tokens")]
    [InlineData("""{"model":"ana-style","messages":[{"role":"user","content":"hi"}],"max_completion_tokens":100000}""", "max_completion_tokens")]
    [InlineData("""{"model":"ana-style","messages":[{"role":"user","content":"hi"}],"max_tokens":5,"max_completion_tokens":6}""", "max_tokens")]
    [InlineData("""{"model":"ana-style","messages":[{"role":"user","content":"hi"}],"stop":["a","b","c","d","e"]}""", "stop")]
    [InlineData("""{"model":"ana-style","messages":[{"role":"user","content":"hi"}],"stop":[""]}""", "stop")]
    [InlineData("""{"model":"ana-style","messages":[{"role":"user","content":"hi"}],"stop":7}""", "stop")]
    [InlineData("""{"model":"ana-style","messages":[{"role":"user","content":"hi"}],"top_logprobs":2}""", "top_logprobs")]
    [InlineData("""{"model":"ana-style","messages":[{"role":"user","content":"hi"}],"logprobs":true,"top_logprobs":21}""", "top_logprobs")]
    [InlineData("""{"model":"ana-style","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}}]}""", "tools")]
    [InlineData("""{"model":"ana-style","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_object"}}""", "response_format")]
    [InlineData("""{"model":"ana-style","messages":[{"role":"user","content":"hi"}],"stream_options":{"include_usage":true}}""", "stream_options")]
    [InlineData("""{"model":"ana-style","messages":[{"role":"user","content":"hi"}],"max_token":5}""", "max_token")]
    public async Task A_bad_parameter_is_400_naming_it(string body, string param)
    {
        using var client = Client();

        var error = await ServiceFactory.Error(await client.PostAsync("/v1/chat/completions", Json(body)), 400);

        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("""{"model":"ana-style","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_object"}}""", "Twinforge generates plain text: only {\"type\": \"text\"}")]
    [InlineData("""{"model":"ana-style","messages":[{"role":"user","content":"hi"}],"frequency_penalty":0.5}""", "without penalties or biases")]
    [InlineData("""{"model":"ana-style","messages":[{"role":"user","content":"hi"}],"logit_bias":{"50":10}}""", "without penalties or biases")]
    [InlineData("""{"model":"ana-style","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}}]}""", "without tools")]
    public async Task An_unsupported_parameter_is_refused_for_its_own_reason(string body, string reason)
    {
        using var client = Client();

        var error = await ServiceFactory.Error(await client.PostAsync("/v1/chat/completions", Json(body)), 400);

        Assert.Equal("unsupported_parameter", error.GetProperty("code").GetString());
        Assert.Contains(reason, error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_misspelt_parameter_is_refused_not_ignored_and_the_hosted_apis_bookkeeping_ones_are_accepted()
    {
        using var client = Client();

        var misspelt = await ServiceFactory.Error(await client.PostAsync("/v1/chat/completions", Json(
            """{"model":"ana-style","messages":[{"role":"user","content":"hi"}],"temprature":0}""")), 400);
        await ServiceFactory.Json(await client.PostAsync("/v1/chat/completions", Json(
            """{"model":"ana-style","messages":[{"role":"user","content":"hi"}],"max_tokens":2,"store":false,"metadata":{"ticket":"7"},"service_tier":"auto"}""")));

        Assert.Equal(("unknown_parameter", "temprature"), (misspelt.GetProperty("code").GetString(), misspelt.GetProperty("param").GetString()));
        Assert.Equal("'temprature' is not a parameter of chat completions.", misspelt.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Defaults_of_unsupported_features_are_accepted()
    {
        using var client = Client();

        await ServiceFactory.Json(await client.PostAsync("/v1/chat/completions", Json(
            """{"model":"ana-style","messages":[{"role":"developer","content":"Be brief."},{"role":"user","content":"hi","name":"bo"}],"n":1,"logprobs":false,"frequency_penalty":0,"presence_penalty":0,"tools":[],"response_format":{"type":"text"},"seed":3,"stop":"\n","max_tokens":4,"user":"end-user-1"}""")));
    }

    [Fact]
    public async Task Malformed_json_a_missing_key_and_a_prompt_longer_than_the_context_are_refused_in_the_error_shape()
    {
        using var client = Client();

        var malformed = await ServiceFactory.Error(await client.PostAsync("/v1/chat/completions", Json("""{"model":"ana-style","messages":[""")), 400);
        Assert.Contains("JSON", malformed.GetProperty("message").GetString());
        var wrongType = await ServiceFactory.Error(await client.PostAsync("/v1/chat/completions", Json("""{"model":"ana-style","messages":[],"n":"two"}""")), 400);
        Assert.Contains("n", wrongType.GetProperty("message").GetString());
        var missingKey = await ServiceFactory.Error(await twins.Service.Client(null).PostAsJsonAsync("/v1/chat/completions", Ask("ana-style")), 401);
        Assert.Equal("missing_api_key", missingKey.GetProperty("code").GetString());
        await ServiceFactory.Error(await twins.Service.Client("tf-wrong").PostAsJsonAsync("/v1/chat/completions", Ask("ana-style")), 401);
        await ServiceFactory.Error(await twins.Service.Client(ServiceFactory.AdminKey).PostAsJsonAsync("/v1/chat/completions", Ask("ana-style")), 403);

        // The tiny twins' context is 256 tokens (bytes); whole or streamed, the refusal comes before any event.
        foreach (var stream in new[] { false, true })
        {
            var tooLong = await ServiceFactory.Error(await client.PostAsJsonAsync("/v1/chat/completions",
                new { model = "ana-style", stream, messages = new[] { new { role = "user", content = new string('a', 500) } } }), 400);
            Assert.Equal("context_length_exceeded", tooLong.GetProperty("code").GetString());
            Assert.Equal("messages", tooLong.GetProperty("param").GetString());
        }
    }
}
