using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Twinforge.Engine.Generation;
using Twinforge.Twins.Provenance;

using Twinforge.Service.Completions;

namespace Twinforge.Service.Tests;

/// <summary>
/// <c>/v1/completions</c>, the legacy text completions API, over raw HTTP: the twin continues plain text as the engine
/// does, whole and as server-sent events alike; <c>n</c> and several prompts index their choices prompt by prompt;
/// the legacy log-probabilities; stop sequences; usage; a signed record per choice; refusals naming the parameter.
/// </summary>
[Collection("Twins")]
public sealed class TextCompletionTests(TwinService twins)
{
    const string Prompt = "ana-style says spring";

    HttpClient Client() => twins.Service.Client(twins.Key);

    static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>A stream's data events: the JSON chunks before <c>[DONE]</c>, which must end it.</summary>
    static async Task<List<JsonElement>> Chunks(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        var events = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.All(events, e => Assert.StartsWith("data: ", e));
        Assert.Equal("data: [DONE]", events[^1]);
        return events[..^1].Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement.Clone()).ToList();
    }

    /// <summary>Each choice's streamed text, by index.</summary>
    static Dictionary<int, string> StreamedTexts(IEnumerable<JsonElement> chunks) => chunks
        .SelectMany(chunk => chunk.GetProperty("choices").EnumerateArray())
        .GroupBy(choice => choice.GetProperty("index").GetInt32())
        .ToDictionary(group => group.Key, group => string.Concat(group.Select(choice => choice.GetProperty("text").GetString())));

    static List<string?> Texts(JsonElement completion) =>
        completion.GetProperty("choices").EnumerateArray().Select(choice => choice.GetProperty("text").GetString()).ToList();

    [Fact]
    public async Task A_seeded_completion_continues_the_prompt_as_the_engine_does_whole_and_streamed_alike_with_its_usage()
    {
        using var client = Client();
        var ask = new { model = "ana-style", prompt = Prompt, max_tokens = 20, temperature = 1.25, seed = 7 };

        var completion = await ServiceFactory.Json(await client.PostAsJsonAsync("/v1/completions", ask));
        var chunks = await Chunks(await client.PostAsJsonAsync("/v1/completions",
            new { ask.model, ask.prompt, ask.max_tokens, ask.temperature, ask.seed, stream = true, stream_options = new { include_usage = true } }));

        var expected = twins.Twins.ReferenceText(twins.Version, Prompt, new GenerationOptions
        {
            Temperature = 1.25, Seed = ChoiceSeedTests.FirstChoiceSeed(7, new CompletionPrompt.Text(Prompt)), MaxNewTokens = 20, Watermark = twins.Watermark,
        });
        Assert.Equal("text_completion", completion.GetProperty("object").GetString());
        Assert.StartsWith("cmpl-", completion.GetProperty("id").GetString());
        Assert.Equal(twins.ModelId, completion.GetProperty("model").GetString());
        Assert.StartsWith("tf_", completion.GetProperty("system_fingerprint").GetString());
        var choice = Assert.Single(completion.GetProperty("choices").EnumerateArray().ToList());
        Assert.Equal(0, choice.GetProperty("index").GetInt32());
        Assert.Equal(expected.Text, choice.GetProperty("text").GetString());
        Assert.Equal(expected.StopReason == StopReason.MaxNewTokens ? "length" : "stop", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("logprobs").ValueKind);
        var usage = completion.GetProperty("usage");
        Assert.Equal(Encoding.UTF8.GetByteCount(Prompt), usage.GetProperty("prompt_tokens").GetInt32()); // byte-level: a token a byte, no chat markup
        Assert.Equal(expected.TokenIds.Count, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32() + usage.GetProperty("completion_tokens").GetInt32(), usage.GetProperty("total_tokens").GetInt32());

        Assert.All(chunks, chunk => Assert.Equal("text_completion", chunk.GetProperty("object").GetString()));
        Assert.All(chunks, chunk => Assert.Equal(chunks[0].GetProperty("id").GetString(), chunk.GetProperty("id").GetString()));
        Assert.Equal(expected.Text, StreamedTexts(chunks)[0]);
        Assert.True(chunks.Count(chunk => chunk.GetProperty("choices").EnumerateArray().Any(c => c.GetProperty("text").GetString() != "")) > 1,
            "the text came in more than one piece");
        var finish = chunks[^2].GetProperty("choices")[0];
        Assert.Equal(choice.GetProperty("finish_reason").GetString(), finish.GetProperty("finish_reason").GetString());
        Assert.Equal("", finish.GetProperty("text").GetString());
        Assert.Empty(chunks[^1].GetProperty("choices").EnumerateArray());
        Assert.Equal(usage.GetRawText(), chunks[^1].GetProperty("usage").GetRawText());
    }

    [Fact]
    public async Task N_seeded_choices_reproduce_with_the_same_seed()
    {
        using var client = Client();
        object Body(long seed) => new { model = "ana-style", prompt = Prompt, n = 3, seed, max_tokens = 12 };

        var completion = await ServiceFactory.Json(await client.PostAsJsonAsync("/v1/completions", Body(7)));
        var again = await ServiceFactory.Json(await client.PostAsJsonAsync("/v1/completions", Body(7)));
        var otherSeed = await ServiceFactory.Json(await client.PostAsJsonAsync("/v1/completions", Body(8)));

        Assert.Equal([0, 1, 2], completion.GetProperty("choices").EnumerateArray().Select(choice => choice.GetProperty("index").GetInt32()));
        Assert.Equal(Texts(completion), Texts(again));
        Assert.True(Texts(completion).Distinct().Count() > 1, "seeded choices sample with different seeds");
        Assert.NotEqual(Texts(completion), Texts(otherSeed));
        Assert.Equal(Encoding.UTF8.GetByteCount(Prompt), completion.GetProperty("usage").GetProperty("prompt_tokens").GetInt32()); // the prompt once
    }

    [Fact]
    public async Task Two_prompts_with_n_2_give_four_choices_indexed_prompt_by_prompt_whole_and_streamed()
    {
        using var client = Client();
        string[] prompts = ["spring question 1?", "ana-style says"];
        var ask = new { model = "ana-style", prompt = prompts, n = 2, seed = 5, max_tokens = 10 };

        var completion = await ServiceFactory.Json(await client.PostAsJsonAsync("/v1/completions", ask));
        var chunks = await Chunks(await client.PostAsJsonAsync("/v1/completions",
            new { ask.model, ask.prompt, ask.n, ask.seed, ask.max_tokens, stream = true, stream_options = new { include_usage = true } }));
        var alone = new List<string?>();
        foreach (var prompt in prompts)
            alone.AddRange(Texts(await ServiceFactory.Json(await client.PostAsJsonAsync("/v1/completions", new { ask.model, prompt, ask.n, ask.seed, ask.max_tokens }))));

        Assert.Equal([0, 1, 2, 3], completion.GetProperty("choices").EnumerateArray().Select(choice => choice.GetProperty("index").GetInt32()));
        Assert.Equal(alone, Texts(completion)); // index = prompt_index * n + i, each prompt's choices seeded by the seed and the prompt
        var streamed = StreamedTexts(chunks);
        Assert.Equal(Texts(completion), Enumerable.Range(0, 4).Select(index => (string?)streamed[index]));
        Assert.Equal(4, chunks.Count(chunk => chunk.GetProperty("choices").EnumerateArray().Any(c => c.GetProperty("finish_reason").ValueKind == JsonValueKind.String)));
        var usage = completion.GetProperty("usage");
        Assert.Equal(prompts.Sum(Encoding.UTF8.GetByteCount), usage.GetProperty("prompt_tokens").GetInt32()); // each prompt once
        Assert.InRange(usage.GetProperty("completion_tokens").GetInt32(), 4, 40);
        Assert.Equal(usage.GetRawText(), chunks[^1].GetProperty("usage").GetRawText());
    }

    [Fact]
    public async Task Logprobs_give_the_legacy_shape_whole_and_streamed_alike()
    {
        using var client = Client();
        var ask = new { model = "ana-style", prompt = Prompt, temperature = 0, max_tokens = 8, logprobs = 2 };

        var completion = await ServiceFactory.Json(await client.PostAsJsonAsync("/v1/completions", ask));
        var chunks = await Chunks(await client.PostAsJsonAsync("/v1/completions", new { ask.model, ask.prompt, ask.temperature, ask.max_tokens, ask.logprobs, stream = true }));

        var choice = completion.GetProperty("choices")[0];
        var logprobs = choice.GetProperty("logprobs");
        var tokens = logprobs.GetProperty("tokens").EnumerateArray().Select(token => token.GetString()!).ToList();
        var tokenLogprobs = logprobs.GetProperty("token_logprobs").EnumerateArray().Select(logprob => logprob.GetSingle()).ToList();
        var top = logprobs.GetProperty("top_logprobs").EnumerateArray().ToList();
        var offsets = logprobs.GetProperty("text_offset").EnumerateArray().Select(offset => offset.GetInt32()).ToList();
        Assert.Equal(completion.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), tokens.Count);
        Assert.Equal(choice.GetProperty("text").GetString(), string.Concat(tokens));
        Assert.Equal(tokens.Count, tokenLogprobs.Count);
        Assert.All(tokenLogprobs, logprob => Assert.True(logprob <= 0));
        Assert.Equal(tokens.Count, top.Count);
        for (int i = 0; i < tokens.Count; i++)
        {
            // The 2 most likely, and the chosen token after them when it is not one of them (the hosted API's "up to
            // logprobs + 1"), keyed by their text exactly. Greedy under the organisation's watermark: the chosen token is
            // the most likely, or a green one within δ of it (the log-probabilities are the raw distribution's).
            var alternatives = top[i].EnumerateObject().ToList();
            var best = alternatives.Take(2).ToList();
            Assert.Equal(best.Any(alternative => alternative.Name == tokens[i]) ? 2 : 3, alternatives.Count);
            Assert.Contains(alternatives, alternative => alternative.Name == tokens[i] && alternative.Value.GetSingle() == tokenLogprobs[i]);
            Assert.True(best[0].Value.GetSingle() >= best[1].Value.GetSingle());
            Assert.InRange(best[0].Value.GetSingle() - tokenLogprobs[i], 0, twins.Watermark.Delta + 1e-4);
        }
        Assert.Equal(Prompt.Length, offsets[0]); // counted from the start of the prompt, as the hosted API does
        Assert.Equal(offsets.Skip(1), offsets.SkipLast(1).Select((offset, i) => offset + tokens[i].Length));

        var streamed = chunks.SelectMany(chunk => chunk.GetProperty("choices").EnumerateArray())
            .Where(c => c.GetProperty("logprobs").ValueKind == JsonValueKind.Object).Select(c => c.GetProperty("logprobs")).ToList();
        foreach (var field in new[] { "tokens", "token_logprobs", "top_logprobs", "text_offset" })
            Assert.Equal(logprobs.GetProperty(field).EnumerateArray().Select(item => item.GetRawText()),
                streamed.SelectMany(piece => piece.GetProperty(field).EnumerateArray()).Select(item => item.GetRawText()));
    }

    [Fact]
    public async Task A_stop_sequence_ends_the_text_before_it_with_finish_reason_stop()
    {
        using var client = Client();
        var full = twins.Twins.ReferenceText(twins.Version, Prompt, new GenerationOptions { Temperature = 0, MaxNewTokens = 20, Watermark = twins.Watermark }).Text;
        // A stop sequence from inside the greedy continuation: the text is what comes before its first occurrence.
        var stop = full.Substring(Math.Min(4, full.Length - 2), 2);
        var expected = full[..full.IndexOf(stop, StringComparison.Ordinal)];
        var ask = new { model = "ana-style", prompt = Prompt, temperature = 0, max_tokens = 20, stop = new[] { stop } };

        var completion = await ServiceFactory.Json(await client.PostAsJsonAsync("/v1/completions", ask));
        var chunks = await Chunks(await client.PostAsJsonAsync("/v1/completions", new { ask.model, ask.prompt, ask.temperature, ask.max_tokens, ask.stop, stream = true }));

        Assert.Equal(expected, Texts(completion)[0]);
        Assert.Equal("stop", completion.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(expected, StreamedTexts(chunks)[0]);
        Assert.Equal("stop", chunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task Every_choice_has_a_signed_record_whose_prompt_is_the_prompt_as_json()
    {
        using var client = Client();

        var response = await client.PostAsJsonAsync("/v1/completions", new { model = "ana-style", prompt = new[] { Prompt, "spring" }, max_tokens = 6, temperature = 0 });
        var completion = await ServiceFactory.Json(response);

        using var anonymous = twins.Service.Client(null);
        var key = ProvenancePublicKey.FromPem((await ServiceFactory.Json(await anonymous.GetAsync("/v1/provenance/public_key"))).GetProperty("pem").GetString()!);
        var ids = Assert.Single(response.Headers.GetValues("x-twinforge-provenance")).Split(',');
        var records = completion.GetProperty("twinforge").GetProperty("choice_provenance").EnumerateArray().ToList();
        Assert.Equal(ids, records.Select(record => record.GetProperty("id").GetString()));
        string[] prompts = [Prompt, "spring"];
        for (int i = 0; i < 2; i++)
        {
            var verdict = key.Verify(records[i]);
            Assert.True(verdict.IsValid, verdict.Problem);
            Assert.Equal(completion.GetProperty("id").GetString(), verdict.Record!.CompletionId);
            Assert.Equal(ProvenanceRecord.Sha256(JsonSerializer.Serialize(prompts[i])), verdict.Record.PromptSha256); // "ana-style says spring", quoted
            Assert.Equal(ProvenanceRecord.Sha256(Texts(completion)[i]!), verdict.Record.TextSha256);
            await ServiceFactory.Json(await client.GetAsync($"/v1/provenance/{ids[i]}"));
        }
        var single = await ServiceFactory.Json(await client.PostAsJsonAsync("/v1/completions", new { model = "ana-style", prompt = Prompt, max_tokens = 6 }));
        Assert.True(ProvenanceDocument.Read(single).Verify(key).IsValid, "a whole text completion verifies with its text");
    }

    [Theory]
    [InlineData("""{"model":"ana-style","prompt":"hi","echo":true}""", "echo")]
    [InlineData("""{"model":"ana-style","prompt":[1,2,3]}""", "prompt")]
    [InlineData("""{"model":"ana-style","prompt":[[1,2,3]]}""", "prompt[0]")]
    [InlineData("""{"model":"ana-style","prompt":["hi",7]}""", "prompt[1]")]
    [InlineData("""{"model":"ana-style","prompt":["hi",""]}""", "prompt[1]")]
    [InlineData("""{"model":"ana-style","prompt":""}""", "prompt")]
    [InlineData("""{"model":"ana-style","prompt":[]}""", "prompt")]
    [InlineData("""{"model":"ana-style"}""", "prompt")]
    [InlineData("""{"prompt":"hi"}""", "model")]
    [InlineData("""{"model":"ana-style","prompt":"hi","n":0}""", "n")]
    [InlineData("""{"model":"ana-style","prompt":["a","b","c"],"n":8}""", "n")]
    [InlineData("""{"model":"ana-style","prompt":"hi","logprobs":6}""", "logprobs")]
    [InlineData("""{"model":"ana-style","prompt":"hi","logprobs":-1}""", "logprobs")]
    [InlineData("""{"model":"ana-style","prompt":"hi","suffix":"!"}""", "suffix")]
    [InlineData("""{"model":"ana-style","prompt":"hi","best_of":3}""", "best_of")]
    [InlineData("""{"model":"ana-style","prompt":"hi","max_tokens":0}""", "max_tokens")]
    [InlineData("""{"model":"ana-style","prompt":"hi","temperature":3}""", "temperature")]
    [InlineData("""{"model":"ana-style","prompt":"hi","stop":["a","b","c","d","e"]}""", "stop")]
    [InlineData("""{"model":"ana-style","prompt":"hi","frequency_penalty":0.5}""", "frequency_penalty")]
    [InlineData("""{"model":"ana-style","prompt":"hi","logit_bias":{"50":10}}""", "logit_bias")]
    [InlineData("""{"model":"ana-style","prompt":"hi","max_completion_tokens":5}""", "max_completion_tokens")]
    [InlineData("""{"model":"ana-style","prompt":"hi","messages":[]}""", "messages")]
    [InlineData("""{"model":"ana-style","prompt":"hi","stream_options":{"include_usage":true}}""", "stream_options")]
    public async Task A_bad_parameter_is_400_naming_it(string body, string param)
    {
        using var client = Client();

        var error = await ServiceFactory.Error(await client.PostAsync("/v1/completions", Json(body)), 400);

        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_user_longer_than_256_characters_is_refused_by_both_endpoints_and_one_within_accepted()
    {
        using var client = Client();
        var user = new string('u', 257);

        var text = await ServiceFactory.Error(await client.PostAsJsonAsync("/v1/completions", new { model = "ana-style", prompt = "hi", user }), 400);
        var chat = await ServiceFactory.Error(await client.PostAsJsonAsync("/v1/chat/completions",
            new { model = "ana-style", messages = new[] { new { role = "user", content = "hi" } }, user }), 400);

        Assert.Equal(("user", "user"), (text.GetProperty("param").GetString(), chat.GetProperty("param").GetString()));
        await ServiceFactory.Json(await client.PostAsJsonAsync("/v1/completions", new { model = "ana-style", prompt = "hi", max_tokens = 2, user = user[..256] }));
    }

    [Fact]
    public async Task Defaults_of_unsupported_features_are_accepted_and_max_tokens_defaults_to_16()
    {
        using var client = Client();

        var completion = await ServiceFactory.Json(await client.PostAsync("/v1/completions", Json(
            """{"model":"tiny","prompt":"spring","echo":false,"suffix":null,"best_of":2,"n":2,"logprobs":null,"frequency_penalty":0,"presence_penalty":0,"logit_bias":{},"user":"end-user-1","temperature":0}""")));

        Assert.Equal("tiny", completion.GetProperty("model").GetString());
        Assert.Equal(2, completion.GetProperty("choices").GetArrayLength());
        Assert.All(completion.GetProperty("choices").EnumerateArray(), choice => Assert.Equal(JsonValueKind.Null, choice.GetProperty("logprobs").ValueKind));
        Assert.Equal(16, completion.GetProperty("twinforge").GetProperty("provenance").GetProperty("sampling").GetProperty("max_tokens").GetInt32());
    }

    [Fact]
    public async Task A_prompt_longer_than_the_context_is_context_length_exceeded_whole_or_streamed()
    {
        using var client = Client();

        // The tiny twins' context is 256 tokens (bytes); streamed, the refusal comes before any event.
        foreach (var stream in new[] { false, true })
        {
            var error = await ServiceFactory.Error(await client.PostAsJsonAsync("/v1/completions", new { model = "ana-style", stream, prompt = new string('a', 500) }), 400);
            Assert.Equal(("context_length_exceeded", "prompt"), (error.GetProperty("code").GetString(), error.GetProperty("param").GetString()));
        }
    }
}
