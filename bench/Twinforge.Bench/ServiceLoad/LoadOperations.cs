using System.Net.Http.Json;
using System.Text.Json;

namespace Twinforge.Bench.ServiceLoad;

/// <summary>One request a load client makes: its name in the report, and the call, which throws when the answer is wrong.</summary>
sealed record LoadOperation(string Name, Func<ServiceUnderLoad, Task> Run);

/// <summary>
/// What the load's clients ask, in turn — what products built on the service do most — and what makes an answer right.
/// A success status is not enough: a stream that fails after its headers were sent still says 200 and ends with an
/// error event instead of <c>data: [DONE]</c>, so every body is read to its end and checked.
/// </summary>
static class LoadOperations
{
    public static IReadOnlyList<LoadOperation> All { get; } =
    [
        new("job", async service =>
        {
            var job = await Json(service.Client.GetAsync($"/v1/fine_tuning/jobs/{service.JobId}"));
            Expect(job.GetProperty("id").GetString() == service.JobId && job.GetProperty("status").GetString() == "succeeded",
                "the job read back is not the succeeded job", job);
        }),
        new("events page", async service =>
        {
            var page = await Json(service.Client.GetAsync($"/v1/fine_tuning/jobs/{service.JobId}/events?limit=20"));
            Expect(page.GetProperty("object").GetString() == "list" && page.GetProperty("data").GetArrayLength() > 0, "an empty or malformed events page", page);
        }),
        new("event stream", async service =>
            CheckEventStream(await Text(service.Client.GetAsync($"/v1/fine_tuning/jobs/{service.JobId}/events?stream=true")), "fine_tuning.job.event")),
        new("completion", async service =>
        {
            var completion = await Json(service.Client.PostAsJsonAsync("/v1/chat/completions", Question(service, stream: false)));
            var choice = completion.GetProperty("choices")[0];
            Expect(completion.GetProperty("object").GetString() == "chat.completion"
                   && choice.GetProperty("message").GetProperty("content").ValueKind == JsonValueKind.String
                   && choice.GetProperty("finish_reason").ValueKind == JsonValueKind.String, "a malformed completion", completion);
        }),
        new("streamed completion", async service =>
            CheckEventStream(await Text(service.Client.PostAsJsonAsync("/v1/chat/completions", Question(service, stream: true))), "chat.completion.chunk")),
    ];

    static object Question(ServiceUnderLoad service, bool stream) => new
    {
        model = service.FineTunedModel, messages = new[] { new { role = "user", content = "Question 3 for ana?" } }, max_tokens = 8, temperature = 0, stream,
    };

    /// <summary>
    /// A server-sent event stream as the service ends one that went well: one or more <c>data:</c> events, each a JSON
    /// object of <paramref name="eventObject"/>, then <c>data: [DONE]</c>.
    /// </summary>
    public static void CheckEventStream(string body, string eventObject)
    {
        var events = body.Split('\n').Where(line => line.StartsWith("data: ", StringComparison.Ordinal)).Select(line => line["data: ".Length..]).ToList();
        if (events.Count < 2 || events[^1] != "[DONE]")
            throw new LoadCheckException($"a stream that did not end with data: [DONE] ({events.Count} events; the last: {Excerpt(events.LastOrDefault() ?? body)})");
        foreach (var data in events.SkipLast(1))
        {
            using var document = JsonDocument.Parse(data);
            if (!document.RootElement.TryGetProperty("object", out var kind) || kind.GetString() != eventObject)
                throw new LoadCheckException($"a stream event that is not a {eventObject}: {Excerpt(data)}");
        }
    }

    static async Task<JsonElement> Json(Task<HttpResponseMessage> request) => JsonDocument.Parse(await Text(request)).RootElement.Clone();

    /// <summary>The whole body (a stream read to its end); an unsuccessful status throws with the start of the body.</summary>
    static async Task<string> Text(Task<HttpResponseMessage> request)
    {
        using var response = await request;
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new LoadCheckException($"{(int)response.StatusCode}: {Excerpt(body)}");
        return body;
    }

    static void Expect(bool right, string problem, JsonElement answer)
    {
        if (!right) throw new LoadCheckException($"{problem}: {Excerpt(answer.GetRawText())}");
    }

    static string Excerpt(string text) => text.Length <= 200 ? text : text[..200] + "…";
}

/// <summary>An answer the load test counts as an error: an unsuccessful status, or a body that is not what was asked.</summary>
sealed class LoadCheckException(string message) : Exception(message);
