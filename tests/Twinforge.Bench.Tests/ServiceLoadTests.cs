using System.Text.Json;
using Twinforge.Bench.ServiceLoad;

namespace Twinforge.Bench.Tests;

/// <summary>
/// The service load test end to end in quick mode (a few clients for a few seconds against the real service on
/// loopback), and the checks that decide what counts as an error. The figures say nothing about speed; these tests
/// check that the load test runs every operation, counts and reports what it promises, and would see a failure.
/// </summary>
[Collection("Harness")]
public sealed class ServiceLoadTests
{
    [Fact]
    [Trait("Category", "Slow")]
    public async Task A_quick_load_run_answers_every_operation_without_errors_and_reports_latency_throughput_and_memory()
    {
        var result = await ServiceLoadBenchmark.RunAsync(clients: 3, duration: TimeSpan.FromSeconds(5), TextWriter.Null);

        Assert.True(result.Errors == 0, $"{result.Errors} errors under load: {string.Join("; ", result.FirstErrors)}");
        Assert.Equal(LoadOperations.All.Select(operation => operation.Name), result.Operations.Select(figures => figures.Operation));
        Assert.All(result.Operations, figures =>
        {
            Assert.True(figures.Requests > 0, $"{figures.Operation} was never answered");
            Assert.True(figures.P50Milliseconds > 0 && figures.P99Milliseconds >= figures.P50Milliseconds,
                $"{figures.Operation}: p50 {figures.P50Milliseconds} ms, p99 {figures.P99Milliseconds} ms");
        });
        Assert.True(result.ElapsedSeconds >= result.Seconds && result.RequestsPerSecond > 0);
        Assert.True(result.AfterWarmUp.ResidentBytes > 0 && result.AtEnd.ResidentBytes > 0 && result.AtEnd.ManagedHeapBytes > 0);
        Assert.True(result.MemorySamples.Count >= 3, $"{result.MemorySamples.Count} memory samples in {result.ElapsedSeconds:F1} s");
        Assert.True(result.AfterWarmUp.Seconds >= result.WarmUpSeconds);
        Assert.False(string.IsNullOrWhiteSpace(result.Machine.CpuModel));
        // The completion queue is the service's default, so a 503 would be counted, not configured away.
        Assert.Contains("Twinforge:Completions:MaxWaitingRequests=64", result.ServiceSettings);

        var table = result.Table();
        foreach (var operation in result.Operations) Assert.Contains(operation.Operation, table);
        Assert.Contains("requests/s", table);
        Assert.Contains("after the 1 s warm-up", table);
        Assert.Contains("machine: ", table);
        using var json = JsonDocument.Parse(result.ToJson());
        Assert.Equal(result.Requests, json.RootElement.GetProperty("Requests").GetInt32());
        Assert.Equal(result.ResidentGrowthBytes, json.RootElement.GetProperty("ResidentGrowthBytes").GetInt64());
    }

    [Fact]
    public void A_stream_ending_with_done_passes_the_check()
    {
        LoadOperations.CheckEventStream(
            "data: {\"object\":\"chat.completion.chunk\",\"choices\":[]}\n\ndata: {\"object\":\"chat.completion.chunk\",\"choices\":[]}\n\ndata: [DONE]\n\n",
            "chat.completion.chunk");
    }

    [Fact]
    public void A_stream_cut_short_by_an_error_event_counts_as_an_error_although_its_status_was_200()
    {
        // How the service ends a streamed completion that fails after its headers went out.
        var failed = "data: {\"object\":\"chat.completion.chunk\",\"choices\":[]}\n\n" +
                     "data: {\"error\":{\"message\":\"The server had an error while generating the completion.\",\"type\":\"server_error\"}}\n\n";
        Assert.Throws<LoadCheckException>(() => LoadOperations.CheckEventStream(failed, "chat.completion.chunk"));
        Assert.Throws<LoadCheckException>(() => LoadOperations.CheckEventStream("data: [DONE]\n\n", "chat.completion.chunk"));
        Assert.Throws<LoadCheckException>(() =>
            LoadOperations.CheckEventStream("data: {\"object\":\"fine_tuning.job.event\"}\n\ndata: [DONE]\n\n", "chat.completion.chunk"));
    }

    [Fact]
    public void Percentiles_are_nearest_rank()
    {
        double[] hundred = [.. Enumerable.Range(1, 100).Select(i => (double)i)];
        Assert.Equal(50, OperationFigures.Percentile(hundred, 0.50));
        Assert.Equal(99, OperationFigures.Percentile(hundred, 0.99));
        Assert.Equal(7, OperationFigures.Percentile([7.0], 0.99));
        Assert.Equal(0, OperationFigures.Percentile([], 0.50));
        var figures = OperationFigures.Of("job", [30.0, 10.0, 20.0], errors: 2);
        Assert.Equal(("job", 3, 2, 20.0, 30.0), (figures.Operation, figures.Requests, figures.Errors, figures.P50Milliseconds, figures.P99Milliseconds));
    }
}
