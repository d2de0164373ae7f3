using System.Net.Http.Json;
using System.Text.Json;
using Twinforge.Engine.Tokenization;
using Twinforge.Engine.Watermarking;
using Twinforge.Service.Watermarking;

namespace Twinforge.Service.Tests;

/// <summary>
/// Every completion carries its organisation's watermark unless the organisation switched it off, and its provenance
/// record names the key; <c>/v1/watermark/detect</c> finds the watermark from the text alone with the caller's own
/// organisation's key — not with another organisation's, not in unwatermarked text, not in a person's — and resolves
/// only the caller's own twins.
/// </summary>
/// <remarks>
/// The organisations here have fixed ids and the fixture a fixed master secret, so their keys, and with the seed their
/// sampled answers, are the same in every run. These tiny twins are barely trained: about half the bytes they sample do
/// not form UTF-8 characters, and decoding replaces them (U+FFFD), so the text keeps roughly half the z-score their
/// token ids would give (mostly 4–8 rather than 14–16 for 200 tokens). <see cref="Seed"/> was chosen by trying seeds
/// as one at which every answer here runs (nearly) its full 200 tokens; at many others some end early, too short to
/// reach z = 4.
/// </remarks>
[Collection("Twins")]
public sealed class WatermarkTests(TwinService twins)
{
    const string Question = "spring question 3?";
    const int Seed = 29;

    /// <summary>Ordinary English, written by a person: the opening of Jane Austen's "Pride and Prejudice" (1813).</summary>
    const string HumanText =
        "It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife. " +
        "However little known the feelings or views of such a man may be on his first entering a neighbourhood, this truth is so " +
        "well fixed in the minds of the surrounding families, that he is considered the rightful property of some one or other " +
        "of their daughters. \"My dear Mr. Bennet,\" said his lady to him one day, \"have you heard that Netherfield Park is let " +
        "at last?\" Mr. Bennet replied that he had not.";

    static string KeyIdOf(string organisation) => $"wm-{organisation}-1";

    /// <summary>
    /// An organisation of a fixed id (<see cref="ServiceFactory.Organisation"/>) and a key of it; with <paramref name="twin"/>,
    /// a creator of it and their twin on the tiny base, trained on "<paramref name="batch"/> question N?".
    /// </summary>
    async Task<(string Organisation, string Key)> Organisation(string stem, string? creator = null, string? twin = null, string? batch = null)
    {
        var (organisation, key) = await twins.Service.Organisation(stem, fixedId: stem);
        if (twin is not null)
            twins.Twins.Train(twins.Twins.Creator(organisation, await twins.Service.Creator(key, creator!)), twin, batch!);
        return (organisation, key);
    }

    /// <summary>A sampled answer (temperature 1, seeded, up to 200 tokens): its text and its signed provenance record.</summary>
    async Task<(string Text, JsonElement Record)> Sampled(string key, string model)
    {
        using var client = twins.Service.Client(key);
        var completion = await ServiceFactory.Json(await client.PostAsJsonAsync("/v1/chat/completions", new
        {
            model, messages = new[] { new { role = "user", content = Question } }, temperature = 1.0, seed = Seed, max_tokens = 200,
        }));
        Assert.InRange(completion.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), 150, 200);
        return (completion.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!,
            completion.GetProperty("twinforge").GetProperty("provenance"));
    }

    async Task<JsonElement> Detect(string key, string model, string text)
    {
        using var client = twins.Service.Client(key);
        return await ServiceFactory.Json(await client.PostAsJsonAsync("/v1/watermark/detect", new { model, text }));
    }

    /// <summary>The watermark key id of the record as the registry keeps it (<c>GET /v1/provenance/{id}</c>).</summary>
    async Task<JsonElement> StoredKeyId(string key, JsonElement record)
    {
        using var client = twins.Service.Client(key);
        var stored = await ServiceFactory.Json(await client.GetAsync($"/v1/provenance/{record.GetProperty("id").GetString()}"));
        return stored.GetProperty("record").GetProperty("watermark_key_id");
    }

    static bool Watermarked(JsonElement detection) => detection.GetProperty("watermarked").GetBoolean();

    [Fact]
    public async Task A_sampled_completion_is_detected_with_its_organisations_key_which_its_record_names()
    {
        var (organisation, key) = await Organisation("wmwen", "Wen", "wen-style", "summer");
        var (text, record) = await Sampled(key, "wen-style");

        var detection = await Detect(key, "wen-style", text);

        var keyId = KeyIdOf(organisation);
        Assert.Equal(keyId, record.GetProperty("watermark_key_id").GetString());
        Assert.Equal(keyId, (await StoredKeyId(key, record)).GetString());
        Assert.Equal(("watermark.detection", keyId), (detection.GetProperty("object").GetString(), detection.GetProperty("key_id").GetString()));
        Assert.True(Watermarked(detection), detection.GetRawText());
        int scored = detection.GetProperty("scored_tokens").GetInt32(), green = detection.GetProperty("green_tokens").GetInt32();
        Assert.InRange(scored, 100, 300);
        Assert.Equal((0.25, 4.0), (detection.GetProperty("green_fraction").GetDouble(), detection.GetProperty("z_threshold").GetDouble()));
        // The paper's one-proportion test from the counts: z = (green − γT) / √(Tγ(1 − γ)), p = P(Z ≥ z) = erfc(z/√2)/2.
        var z = (green - 0.25 * scored) / Math.Sqrt(scored * 0.25 * 0.75);
        Assert.Equal(z, detection.GetProperty("z_score").GetDouble(), 9);
        Assert.True(z >= 4, $"z = {z}");
        Assert.Equal(1, detection.GetProperty("p_value").GetDouble() / NormalDistribution.UpperTail(z), 9);
        // The same counts outside the service: the key derived from the master secret file and the key id, the base's tokenizer.
        var master = Convert.FromHexString(File.ReadAllText(Path.Combine(twins.Service.DataDirectory, WatermarkKeys.DefaultFileName)).Trim());
        var outside = WatermarkDetector.Detect(new ByteLevelTokenizer(), text, new WatermarkSettings(WatermarkKey.Derive(master, keyId)));
        Assert.Equal((scored, green), (outside.ScoredTokens, outside.GreenTokens));
    }

    [Fact]
    public async Task Another_organisation_finds_no_watermark_of_its_key_and_reaches_neither_the_twin_nor_its_records()
    {
        var (fays, fayKey) = await Organisation("wmfay", "Fay", "fay-style", "harvest");
        var (guss, gusKey) = await Organisation("wmgus", "Gus", "gus-style", "frost");
        var (text, record) = await Sampled(fayKey, "fay-style");

        var own = await Detect(fayKey, "fay-style", text);
        var other = await Detect(gusKey, "gus-style", text);

        Assert.True(Watermarked(own), own.GetRawText());
        Assert.Equal(KeyIdOf(guss), other.GetProperty("key_id").GetString());
        Assert.False(Watermarked(other), other.GetRawText());
        Assert.Equal(own.GetProperty("scored_tokens").GetInt32(), other.GetProperty("scored_tokens").GetInt32()); // one base, one tokenizer
        Assert.InRange(other.GetProperty("z_score").GetDouble(), -3, 3);
        Assert.Contains("low entropy", other.GetProperty("note").GetString());
        // Gus's organisation's answers carry its own key, which Fay's does not find.
        var (gusText, gusRecord) = await Sampled(gusKey, "gus-style");
        Assert.Equal(KeyIdOf(guss), gusRecord.GetProperty("watermark_key_id").GetString());
        Assert.True(Watermarked(await Detect(gusKey, "gus-style", gusText)));
        var crossed = await Detect(fayKey, "fay-style", gusText);
        Assert.Equal(KeyIdOf(fays), crossed.GetProperty("key_id").GetString());
        Assert.False(Watermarked(crossed), crossed.GetRawText());

        // Fay's twin, however named, is as unknown to Gus's organisation as a twin that does not exist; so is her record.
        using var client = twins.Service.Client(gusKey);
        var fay = (await ServiceFactory.Json(await twins.Service.Client(fayKey).GetAsync("/v1/models"))).GetProperty("data").EnumerateArray()
            .Select(model => model.GetProperty("id").GetString()!).Single(id => id.EndsWith("/fay-style@1", StringComparison.Ordinal));
        var unknown = await ServiceFactory.Error(await client.PostAsJsonAsync("/v1/watermark/detect", new { model = "no-such-twin", text }), 404);
        foreach (var name in new[] { "fay-style", fay, fay[..fay.IndexOf('@')] })
        {
            var foreign = await ServiceFactory.Error(await client.PostAsJsonAsync("/v1/watermark/detect", new { model = name, text }), 404);
            Assert.Equal(("model_not_found", "model"), (foreign.GetProperty("code").GetString(), foreign.GetProperty("param").GetString()));
            Assert.Equal(unknown.GetProperty("type").GetString(), foreign.GetProperty("type").GetString());
        }
        await ServiceFactory.Error(await client.GetAsync($"/v1/provenance/{record.GetProperty("id").GetString()}"), 404);
    }

    [Fact]
    public async Task A_paragraph_of_human_text_carries_no_watermark()
    {
        var (_, key) = await Organisation("wmhuman");

        var detection = await Detect(key, TinyBase.Name, HumanText);

        Assert.False(Watermarked(detection), detection.GetRawText());
        Assert.True(detection.GetProperty("scored_tokens").GetInt32() > 200);
        Assert.InRange(detection.GetProperty("z_score").GetDouble(), -3, 3);
        Assert.InRange(detection.GetProperty("p_value").GetDouble(), 0.001, 1);
        // Nothing found is no proof of a person: the note says greedy and low-entropy text carries little watermark.
        var note = detection.GetProperty("note").GetString();
        Assert.Contains("greedily", note);
        Assert.Contains("low entropy", note);
    }

    [Fact]
    public async Task With_watermarking_switched_off_a_record_names_no_key_and_detection_finds_none()
    {
        var (organisation, key) = await Organisation("wmdi", "Di", "di-style", "winter");
        using var admin = twins.Service.Client(ServiceFactory.AdminKey);
        Assert.True((await ServiceFactory.Json(await admin.GetAsync($"/admin/organizations/{organisation}"))).GetProperty("watermark_completions").GetBoolean());
        var off = await ServiceFactory.Json(await admin.PostAsJsonAsync($"/admin/organizations/{organisation}", new { watermark_completions = false }));
        Assert.Equal((false, false), (off.GetProperty("watermark_completions").GetBoolean(), off.GetProperty("record_completion_content").GetBoolean()));

        var (text, record) = await Sampled(key, "di-style");
        var detection = await Detect(key, "di-style", text);

        Assert.Equal(JsonValueKind.Null, record.GetProperty("watermark_key_id").ValueKind);
        Assert.Equal(JsonValueKind.Null, (await StoredKeyId(key, record)).ValueKind);
        Assert.Equal(KeyIdOf(organisation), detection.GetProperty("key_id").GetString()); // tested with its own key all the same
        Assert.False(Watermarked(detection), detection.GetRawText());
        Assert.InRange(detection.GetProperty("z_score").GetDouble(), -3, 3);
        Assert.Contains(WatermarkDetectionObject.WatermarkingOff, detection.GetProperty("note").GetString());

        // Switched on again, the same request's answer carries the watermark and its record names the key.
        Assert.True((await ServiceFactory.Json(await admin.PostAsJsonAsync($"/admin/organizations/{organisation}", new { watermark_completions = true })))
            .GetProperty("watermark_completions").GetBoolean());
        var (marked, markedRecord) = await Sampled(key, "di-style");
        Assert.NotEqual(text, marked);
        Assert.Equal(KeyIdOf(organisation), markedRecord.GetProperty("watermark_key_id").GetString());
        var found = await Detect(key, "di-style", marked);
        Assert.True(Watermarked(found), found.GetRawText());
        Assert.DoesNotContain(WatermarkDetectionObject.WatermarkingOff, found.GetProperty("note").GetString() ?? "");
    }

    [Theory]
    [InlineData("""{"model":"ana-style"}""", 400, "text", "missing_required_parameter")]
    [InlineData("""{"model":"ana-style","text":null}""", 400, "text", "missing_required_parameter")]
    [InlineData("""{"text":"some words"}""", 400, "model", "missing_required_parameter")]
    [InlineData("""{"model":"no-such-twin","text":"some words"}""", 404, "model", "model_not_found")]
    public async Task A_bad_request_is_refused_in_the_api_error_shape_naming_the_field(string body, int status, string param, string code)
    {
        using var client = twins.Service.Client(twins.Key);

        var error = await ServiceFactory.Error(await client.PostAsync("/v1/watermark/detect", new StringContent(body, System.Text.Encoding.UTF8, "application/json")), status);

        Assert.Equal((param, code), (error.GetProperty("param").GetString(), error.GetProperty("code").GetString()));
    }

    [Fact]
    public async Task An_empty_text_scores_nothing_and_the_note_says_it_is_too_short()
    {
        var detection = await Detect(twins.Key, "ana-style", "");

        Assert.Equal((0, 0, 0.0, false), (detection.GetProperty("scored_tokens").GetInt32(), detection.GetProperty("green_tokens").GetInt32(),
            detection.GetProperty("z_score").GetDouble(), Watermarked(detection)));
        Assert.Contains("too short", detection.GetProperty("note").GetString());
    }

    [Fact]
    public async Task Detection_needs_an_organisations_key()
    {
        using var anonymous = twins.Service.Client(null);
        await ServiceFactory.Error(await anonymous.PostAsJsonAsync("/v1/watermark/detect", new { model = TinyBase.Name, text = HumanText }), 401);
    }
}
