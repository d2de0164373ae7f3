using System.Net;
using System.Text.RegularExpressions;
using OpenAI.Chat;

namespace Twinforge.Service.Tests;

/// <summary><c>/metrics</c> after a completion: the request-latency histogram and the completions' counters, in Prometheus' text format.</summary>
[Collection("Twins")]
public sealed class CompletionMetricsTests(TwinService twins)
{
    [Fact]
    public async Task After_a_completion_metrics_show_request_latency_and_the_completions_tokens_and_generation_time()
    {
        ChatCompletion completion = await twins.Service.Sdk(twins.Key).GetChatClient("ana-style")
            .CompleteChatAsync([new UserChatMessage("spring question 2?")], new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 6 });
        using var admin = twins.Service.Client(ServiceFactory.AdminKey);

        // The request's duration is recorded as its response ends, which the client may see first: read until it is there.
        string metrics = "";
        for (int attempt = 0; attempt < 50 && !metrics.Contains("http_route=\"/v1/chat/completions\""); attempt++)
        {
            if (attempt > 0) await Task.Delay(100);
            var response = await admin.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            metrics = await response.Content.ReadAsStringAsync();
        }

        Assert.Matches(new Regex("^http_server_request_duration_seconds_bucket\\{.*http_route=\"/v1/chat/completions\"", RegexOptions.Multiline), metrics);
        Assert.True(PrometheusText.Sum(metrics, "twinforge_completions_completion_tokens_total") >= completion.Usage.OutputTokenCount, metrics);
        Assert.True(PrometheusText.Sum(metrics, "twinforge_completions_prompt_tokens_total") >= completion.Usage.InputTokenCount, metrics);
        Assert.True(PrometheusText.Sum(metrics, "twinforge_completions_requests_total", "outcome=\"completed\"") >= 1, metrics);
        Assert.True(PrometheusText.Sum(metrics, "twinforge_completions_generation_duration_seconds_count") >= 1, metrics);
        Assert.Contains("twinforge_completions_time_to_first_token_seconds_bucket", metrics);
        // Scrapes are not counted among the requests.
        Assert.DoesNotMatch(new Regex("^http_server_request_duration_seconds_count\\{.*http_route=\"/metrics\"", RegexOptions.Multiline), metrics);
    }
}
