using System.Text.RegularExpressions;
using Twinforge.Engine;
using Twinforge.Engine.Training;
using Twinforge.Reporting.Charts;

namespace Twinforge.Reporting.Tests;

public class RunReportTests
{
    static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public void Report_is_self_contained_html_with_embedded_plots()
    {
        using var run = new SyntheticRun();
        run.WriteMetrics(SyntheticRun.OverfittingRun());
        run.WriteFile("run.json", SyntheticRun.RunJson);

        var path = RunReport.Write(run.Path);

        Assert.Equal(Path.Combine(run.Path, "report.html"), path);
        var html = File.ReadAllText(path);
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.DoesNotMatch(new Regex(@"(src|href)\s*=\s*[""']?https?://", RegexOptions.IgnoreCase), html);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(3, Regex.Matches(html, "data:image/png;base64,").Count);
    }

    [Fact]
    public void Report_states_the_best_evaluation_early_stop_and_overfitting_signal()
    {
        using var run = new SyntheticRun();
        run.WriteMetrics(SyntheticRun.OverfittingRun());
        run.WriteFile("run.json", SyntheticRun.RunJson);

        var html = File.ReadAllText(RunReport.Write(run.Path));

        Assert.Contains("<th>best step</th><td>20</td>", html);
        // Every step's positions (35 steps of 512), which is not the data's token count: the label says what it is.
        Assert.Contains("<th>positions computed</th><td>17,920 (tokens over all steps, padding included)</td>", html);
        Assert.Contains("<th>best validation loss</th><td>1.2346</td>", html);
        Assert.Contains($"<th>best validation perplexity</th><td>{Math.Exp(1.23456):0.00}</td>", html);
        Assert.Contains("<th>token accuracy at best</th><td>60.00%</td>", html);
        Assert.Contains("Stopped early at step 35", html);
        Assert.Contains("(patience: 3 evaluations without improvement)", html);
        Assert.Contains("began to widen after step 10", html);
        Assert.Contains("<th>restored best weights</th><td>yes</td>", html);
        Assert.Contains("<th>method</th><td>lora</td>", html);
        Assert.Contains("sha256 0123456789ab", html);
        Assert.Contains("<th>validation</th><td>/data/alice-held-out.jsonl</td>", html);
    }

    [Fact]
    public void Report_shows_the_data_with_what_was_dropped_and_options_by_readable_name()
    {
        using var run = new SyntheticRun();
        run.WriteMetrics(SyntheticRun.OverfittingRun());
        run.WriteFile("run.json", SyntheticRun.RunJson);

        var html = File.ReadAllText(RunReport.Write(run.Path));

        Assert.Contains("<th>sequence length</th><td>512 tokens</td>", html);
        Assert.Contains("<th>trained on</th><td>12 documents, 80 examples, 40,960 tokens (30,000 trained on); tokens per example 100 to 512, mean 512.1</td>", html);
        Assert.Contains("<th>/data/alice.jsonl</th><td>chat, 12 of 13 examples kept; longer than 512 tokens (drop): 1 dropped, 0 truncated, 0 split (the longest has 900)</td>", html);
        Assert.Contains("<th>/data/alice-held-out.jsonl</th><td>chat, 2 of 2 examples kept</td>", html);
        Assert.Contains("<th>training › learning rate</th><td>0.0001</td>", html);
        Assert.Contains("<th>training › precision</th><td>float32</td>", html);
        Assert.DoesNotContain("512.123456", html);
        Assert.DoesNotContain("<th>training.learning_rate", html);
        Assert.Contains("<td>/data/alice.jsonl (sha256 0123456789ab…)</td>", html);
    }

    [Fact]
    public void A_labelled_data_file_says_its_hash_is_of_the_file_trained_on()
    {
        using var run = new SyntheticRun();
        run.WriteMetrics(SyntheticRun.OverfittingRun());
        run.WriteFile("run.json", SyntheticRun.RunJson.Replace("\"path\": \"/data/alice.jsonl\",", "\"path\": \"/tmp/x/train.jsonl\", \"label\": \"the training part of alice.jsonl\","));

        var html = File.ReadAllText(RunReport.Write(run.Path));

        Assert.Contains("<td>the training part of alice.jsonl (sha256 of the file trained on 0123456789ab…)</td>", html);
        Assert.DoesNotContain("/tmp/x/train.jsonl (sha256", html);
    }

    [Fact]
    public void An_older_run_json_still_shows_its_statistics_rounded_and_readably_named()
    {
        using var run = new SyntheticRun();
        run.WriteMetrics(SyntheticRun.OverfittingRun());
        run.WriteFile("run.json", SyntheticRun.OlderRunJson);

        var html = File.ReadAllText(RunReport.Write(run.Path));

        Assert.Contains("<th>total tokens</th><td>40960</td>", html);
        Assert.Contains("<th>mean tokens</th><td>512.1</td>", html);
    }

    [Fact]
    public void Evaluations_are_placed_in_epochs_trained_and_a_titled_report_hides_its_directory()
    {
        using var run = new SyntheticRun();
        run.WriteMetrics(SyntheticRun.OverfittingRun()); // 10 steps per epoch, evaluations every 5 steps

        var html = File.ReadAllText(RunReport.Write(run.Path, title: "ana-chat version 2"));

        var table = Regex.Match(html, "<table class=\"evaluations\">.*?</table>", RegexOptions.Singleline).Value;
        Assert.Contains("<th>epochs</th>", table);
        Assert.Contains("<tr><td class=\"number\">5</td><td class=\"number\">0.5</td>", table);
        Assert.Contains("<td class=\"number\">15</td><td class=\"number\">1.5</td>", table);
        Assert.Contains("<h1>Run report: ana-chat version 2</h1>", html);
        Assert.DoesNotContain(run.Path, html);
    }

    [Fact]
    public void Evaluations_table_has_a_row_per_evaluation_with_the_best_marked()
    {
        using var run = new SyntheticRun();
        run.WriteMetrics(SyntheticRun.OverfittingRun());

        var html = File.ReadAllText(RunReport.Write(run.Path));

        var table = Regex.Match(html, "<table class=\"evaluations\">.*?</table>", RegexOptions.Singleline).Value;
        Assert.Equal(7, Regex.Matches(table, "<tr( class=\"best\")?><td").Count);
        Assert.Contains("<tr class=\"best\"><td class=\"number\">20</td>", table);
        Assert.Contains("<td class=\"number\">1.3500</td>", table); // the last evaluation's validation loss
    }

    [Fact]
    public void Without_run_json_the_figures_come_from_the_metrics_log()
    {
        using var run = new SyntheticRun();
        run.WriteMetrics(SyntheticRun.OverfittingRun());

        var html = File.ReadAllText(RunReport.Write(run.Path));

        Assert.Contains("<th>steps</th><td>35 of 40 planned</td>", html);
        Assert.Contains("<th>epochs</th><td>3.5</td>", html);
        Assert.Contains("<th>best validation loss</th><td>1.2346</td>", html);
        Assert.Contains("began to widen after step 10", html);
    }

    [Fact]
    public void Plots_are_written_as_real_pngs()
    {
        using var run = new SyntheticRun();
        run.WriteMetrics(SyntheticRun.OverfittingRun());

        RunReport.Write(run.Path);

        foreach (var name in new[] { "loss_by_step.png", "loss_by_tokens.png", "learning_rate.png" })
        {
            var bytes = File.ReadAllBytes(Path.Combine(run.Path, "plots", name));
            Assert.Equal(PngSignature, bytes[..8]);
            Assert.True(bytes.Length > 10_000, $"{name} is only {bytes.Length} bytes");
        }
        Assert.Empty(Directory.GetFiles(run.Path, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void Sample_text_is_shown_side_by_side_and_escaped()
    {
        using var run = new SyntheticRun();
        run.WriteMetrics(SyntheticRun.OverfittingRun());
        new SampleSet([
            new Sample("Dear <script>alert(1)</script>", new Dictionary<string, string> { ["base"] = "Hello & goodbye", ["alice-twin"] = "Hi \"friend\"" }),
        ]).Save(run.Path);

        var html = File.ReadAllText(RunReport.Write(run.Path));

        Assert.DoesNotContain("<script>", html);
        Assert.Contains("Dear &lt;script&gt;alert(1)&lt;/script&gt;", html);
        Assert.Contains("<th>prompt</th><th>base</th><th>alice-twin</th>", html);
        Assert.Contains("Hello &amp; goodbye", html);
        Assert.Contains("Hi &quot;friend&quot;", html);
    }

    [Fact]
    public void A_run_without_validation_still_gets_a_report_saying_so()
    {
        using var run = new SyntheticRun();
        run.WriteMetrics(SyntheticRun.OverfittingRun().Where(e => e is RunStarted or StepCompleted)
            .Append(new RunFinished(35, false, null, null, false, null, 0, 3.0)));

        var html = File.ReadAllText(RunReport.Write(run.Path));

        Assert.Contains("No validation", html);
        Assert.Contains("There was no validation", html);
        Assert.Contains("<th>validation</th><td>none</td>", html);
        Assert.Equal(3, Regex.Matches(html, "data:image/png;base64,").Count);
    }

    [Fact]
    public void Missing_metrics_log_is_an_input_file_error_naming_the_file()
    {
        using var run = new SyntheticRun();

        var error = Assert.Throws<InputFileException>(() => RunReport.Write(run.Path));

        Assert.Equal(Path.Combine(run.Path, "metrics.jsonl"), error.FilePath);
        Assert.Contains("metrics.jsonl", error.Message);
        Assert.False(File.Exists(Path.Combine(run.Path, "report.html")));
    }

    [Fact]
    public void Malformed_metrics_log_is_an_input_file_error_with_the_line()
    {
        using var run = new SyntheticRun();
        run.WriteMetrics(SyntheticRun.OverfittingRun().Take(3));
        File.AppendAllText(Path.Combine(run.Path, "metrics.jsonl"), "{\"event\":\"step\",\"step\":\n");

        var error = Assert.Throws<InputFileException>(() => RunReport.Write(run.Path));

        Assert.EndsWith("metrics.jsonl", error.FilePath);
        Assert.Equal(4, error.Line);
    }

    [Fact]
    public void A_run_too_short_to_smooth_draws_one_train_loss_line_so_every_legend_entry_is_visible()
    {
        double[] Range(int count) => Enumerable.Range(1, count).Select(i => (double)i).ToArray();

        var shortRun = RunPlots.TrainLossSeries(Range(8), Range(8).Select(x => 3 - x / 10).ToArray());
        var longRun = RunPlots.TrainLossSeries(Range(400), Range(400).Select(x => 3 - x / 1000).ToArray());

        Assert.Equal(["train loss"], shortRun.Select(series => series.Label));
        Assert.Equal(["train loss (raw)", "train loss (smoothed)"], longRun.Select(series => series.Label));
        Assert.NotEqual(longRun[0].Ys, longRun[1].Ys);
    }
}
