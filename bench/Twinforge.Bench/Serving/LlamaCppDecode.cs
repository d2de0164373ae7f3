using System.Diagnostics;
using System.Text.Json;
using TorchSharp;
using Twinforge.Engine.Gguf;
using Twinforge.Engine.Models;
using Twinforge.Engine.Tokenization;

namespace Twinforge.Bench.Serving;

/// <summary>
/// Single-stream decoding by real llama.cpp on the same weights: the serving benchmark's base exported to GGUF (F32, or
/// BF16 when the base is bf16) and decoded greedily by node-llama-cpp's prebuilt CPU build (tests/llama-cpp/greedy.mjs,
/// installed by scripts/setup.sh), from the same prompt ids for the same number of tokens, an end-of-text token ignored.
/// Its rate is that of the tokens after the first, as the batcher's single stream is measured, with as many threads as
/// torch uses (llama.cpp's threads spin while waiting for each other: on a busy machine its figure collapses).
/// With a native <c>llama-bench</c> (built for this CPU from the same llama.cpp source by scripts/llama-bench.sh), also
/// llama.cpp's own figure: its token-generation test at the prompt's depth, without node-llama-cpp's per-token
/// JavaScript round trip, which is what "llama.cpp decodes at N tok/s" usually means.
/// </summary>
public static class LlamaCppDecode
{
    /// <summary>llama.cpp's single-stream rates on the model: through node-llama-cpp, and through native llama-bench when given.</summary>
    public sealed record Rates(double NodeLlamaCpp, double? LlamaBench);

    public static Rates TokensPerSecond(CausalLanguageModel model, IReadOnlyList<int> prompt, int newTokens, torch.ScalarType dtype, int repeats,
        string? llamaBench, TextWriter output)
    {
        var folder = Path.Combine(RepositoryRoot(), "tests", "llama-cpp");
        if (!File.Exists(Path.Combine(folder, "node_modules", "node-llama-cpp", "package.json")))
            throw new InvalidOperationException($"--llama-cpp: node-llama-cpp is not installed in {folder}; run `bash scripts/setup.sh` " +
                "(or `npm ci --prefix tests/llama-cpp --omit=optional`)");
        if (llamaBench is not null && !File.Exists(llamaBench))
            throw new FileNotFoundException($"--llama-bench: no llama-bench at {llamaBench}; `bash scripts/llama-bench.sh` builds one and prints its path", llamaBench);
        var directory = Directory.CreateTempSubdirectory("twinforge-llama-cpp-");
        try
        {
            var type = dtype == torch.ScalarType.BFloat16 ? GgmlType.BF16 : GgmlType.F32;
            var path = Path.Combine(directory.FullName, "model.gguf");
            // The byte tokenizer, padded to the model's vocabulary: the prompt goes as ids, so only their count matters.
            GgufModelExport.Write(model, new ByteLevelTokenizer(), path, type, "serving-base");
            output.WriteLine($"  llama.cpp: {new FileInfo(path).Length / 1e6:F0} MB of {type} GGUF");
            var rates = new List<double>();
            for (int repeat = 0; repeat < repeats; repeat++)
            {
                rates.Add(Run(folder, path, prompt, newTokens));
                output.WriteLine($"    repeat {repeat + 1}: llama.cpp single stream {rates[^1]:F1} tok/s");
            }
            double? native = null;
            if (llamaBench is not null)
            {
                native = RunLlamaBench(llamaBench, path, prompt.Count, newTokens, repeats);
                output.WriteLine($"    llama-bench (native build, tg{newTokens} at depth {prompt.Count}, {repeats} repetitions): {native:F1} tok/s");
            }
            return new Rates(Median.Of(rates), native);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    static double Run(string folder, string model, IReadOnlyList<int> prompt, int newTokens)
    {
        var start = new ProcessStartInfo("node",
        [
            Path.Combine(folder, "greedy.mjs"), model, "", newTokens.ToString(), "--prompt-ids", string.Join(',', prompt),
            "--context", (prompt.Count + newTokens + 8).ToString(), "--ignore-eog", "--threads", torch.get_num_threads().ToString(),
        ])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = folder,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start node");
        var error = process.StandardError.ReadToEndAsync();
        var text = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"greedy.mjs failed ({process.ExitCode}): {error.Result}{text}");
        var result = JsonDocument.Parse(text).RootElement;
        int decoded = result.GetProperty("tokens").GetArrayLength();
        if (decoded != newTokens) throw new InvalidOperationException($"llama.cpp decoded {decoded} tokens, not {newTokens}");
        return result.GetProperty("decodeTokensPerSecond").GetDouble();
    }

    /// <summary>
    /// llama-bench's mean tokens/s of generating <paramref name="newTokens"/> tokens one at a time after
    /// <paramref name="depth"/> tokens already in the cache (its "tg N @ d P" test), with torch's thread count.
    /// </summary>
    static double RunLlamaBench(string llamaBench, string model, int depth, int newTokens, int repeats)
    {
        var start = new ProcessStartInfo(llamaBench,
        [
            "-m", model, "-p", "0", "-n", newTokens.ToString(), "-d", depth.ToString(), "-r", repeats.ToString(),
            "-t", torch.get_num_threads().ToString(), "-o", "json",
        ])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {llamaBench}");
        var error = process.StandardError.ReadToEndAsync();
        var text = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"llama-bench failed ({process.ExitCode}): {error.Result}{text}");
        var results = JsonDocument.Parse(text).RootElement;
        var generation = results.EnumerateArray().SingleOrDefault(result => result.GetProperty("n_gen").GetInt32() == newTokens);
        if (generation.ValueKind != JsonValueKind.Object) throw new InvalidOperationException($"llama-bench printed no tg{newTokens} result: {text}");
        return generation.GetProperty("avg_ts").GetDouble();
    }

    static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "Twinforge.slnx"))) return directory.FullName;
        throw new DirectoryNotFoundException("--llama-cpp: the repository (Twinforge.slnx) is not above the benchmark's build output");
    }
}
