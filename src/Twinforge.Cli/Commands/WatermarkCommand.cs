using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Twinforge.Cli.BuiltIn;
using Twinforge.Engine;
using Twinforge.Engine.Tokenization;
using Twinforge.Engine.Watermarking;

namespace Twinforge.Cli.Commands;

/// <summary>
/// <c>twinforge watermark detect</c>: whether a text carries the watermark of a key (z-score, p-value, verdict), read
/// from the text alone with the model's tokenizer; <c>twinforge watermark key new</c>: a new key file.
/// </summary>
public static class WatermarkCommand
{
    public static Command Create(Hub.HubSettings hub) => new("watermark", "Detect the watermark of a key in a text, or make a new watermark key.")
    {
        Detect(hub),
        new Command("key", "Watermark keys.") { NewKey() },
    };

    static Command Detect(Hub.HubSettings hub)
    {
        var text = new Argument<string?>("text") { Description = "The text to test (or --file)", Arity = ArgumentArity.ZeroOrOne };
        var file = new Option<FileInfo>("--file") { Description = "Read the text to test from this file (UTF-8) instead [default: none: the text argument]" }
            .AcceptOnlyFiles("a text file", mustExist: true);
        var keyFile = new Option<FileInfo>("--key-file") { Description = "The watermark key file (from 'twinforge watermark key new', or a file holding just the secret in hexadecimal) [required unless --key-hex]" }
            .AcceptOnlyFiles("a watermark key file", mustExist: true);
        var keyHex = new Option<string>("--key-hex") { Description = "The key's secret as hexadecimal, instead of --key-file [required unless --key-file]" };
        var model = new Option<string>("--model")
        {
            Description = "The model (base or twin directory, 'builtin', or hf:ORG/NAME[@REVISION]) whose tokenizer wrote the text: only its tokenizer is read",
            Required = true,
        };
        var cache = CommonOptions.Cache();
        var greenFraction = new Option<double>("--green-fraction")
        {
            Description = "γ, the green share the text was generated with", DefaultValueFactory = _ => 0.25,
        };
        var threshold = new Option<double>("--threshold")
        {
            Description = "z-score from which the text counts as watermarked (above 0: at 0 half of all human text would count)", DefaultValueFactory = _ => WatermarkDetector.DefaultZThreshold,
        }.Positive();
        var json = new Option<bool>("--json") { Description = "Print the result as one JSON object, for scripts [default: false]" };
        var command = new Command("detect",
            "Test a text for a key's watermark: green tokens against the share γ expected without the key, as a z-score and a one-sided p-value.")
        {
            text, file, keyFile, keyHex, model, cache, greenFraction, threshold, json,
        };
        command.SetAction((result, cancellationToken) =>
        {
            var key = ReadKey(result.GetValue(keyFile), result.GetValue(keyHex));
            var content = ReadText(result.GetValue(text), result.GetValue(file));
            WatermarkSettings settings;
            try
            {
                settings = new WatermarkSettings(key, GreenFraction: result.GetValue(greenFraction));
            }
            catch (ArgumentException error)
            {
                throw new BadInputException($"--green-fraction: must lie in (0, 1), got {result.GetValue(greenFraction).ToString(CultureInfo.InvariantCulture)}", error);
            }
            var tokenizer = TokenizerLoader.Load(ModelArguments.Resolve(result.GetValue(model)!, CacheLocation.Resolve(result.GetValue(cache)), hub, result.InvocationConfiguration.Error, cancellationToken));
            var detection = WatermarkDetector.Detect(tokenizer, content, settings, result.GetValue(threshold));
            var output = result.InvocationConfiguration.Output;
            if (result.GetValue(json)) output.WriteLine(ToJson(detection, settings, result.GetValue(threshold)));
            else Print(output, detection, settings, result.GetValue(threshold));
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    static Command NewKey()
    {
        var output = new Option<FileInfo>("--output", "-o") { Description = "Where to write the key file (not replaced if it exists)", Required = true };
        var keyId = new Option<string>("--key-id") { Description = "The key's id [default: the file's name without extension]" };
        var command = new Command("new", "Make a watermark key: 32 random bytes and an id, in a file only its owner can read.") { output, keyId };
        command.SetAction(result =>
        {
            var path = result.GetValue(output)!.FullName;
            if (File.Exists(path) || Directory.Exists(path))
                throw new BadInputException($"--output: {path} exists; a key is not replaced, as text watermarked with it could no longer be detected");
            var key = WatermarkKey.Create(result.GetValue(keyId) ?? Path.GetFileNameWithoutExtension(path));
            WatermarkKeyFile.Write(path, key);
            result.InvocationConfiguration.Output.WriteLine(
                $"Wrote watermark key '{key.KeyId}' to {path} (readable by its owner only). Keep it secret: whoever holds it can both write and detect the watermark.");
            return ExitCodes.Success;
        });
        return command;
    }

    static WatermarkKey ReadKey(FileInfo? keyFile, string? keyHex)
    {
        if ((keyFile is null) == (keyHex is null)) throw new BadInputException("give the key as one of --key-file or --key-hex");
        if (keyFile is not null) return WatermarkKeyFile.Read(keyFile.FullName);
        try
        {
            return WatermarkKey.FromHex("key-hex", keyHex!);
        }
        catch (ArgumentException error)
        {
            throw new BadInputException($"--key-hex: {ArgumentProblem.Of(error)}", error);
        }
    }

    static string ReadText(string? text, FileInfo? file)
    {
        if ((text is null) == (file is null)) throw new BadInputException("give the text to test as an argument or as --file, one of them");
        if (text is not null)
            return string.IsNullOrWhiteSpace(text) ? throw new BadInputException("the text to test is empty") : text;
        if (!file!.Exists) throw new InputFileException(file.FullName, "not found");
        var content = File.ReadAllText(file.FullName);
        // A test of nothing, or of a binary file's bytes read as text, would print a verdict about no text at all.
        if (string.IsNullOrWhiteSpace(content)) throw new InputFileException(file.FullName, "is empty: there is no text to test");
        if (content.Contains('\0')) throw new InputFileException(file.FullName, "is not text (it holds NUL bytes): give the text to test as a UTF-8 file");
        return content;
    }

    static void Print(TextWriter output, WatermarkDetection detection, WatermarkSettings settings, double threshold)
    {
        var invariant = CultureInfo.InvariantCulture;
        string share = detection.ScoredTokens == 0 ? "" : string.Create(invariant, $" ({100.0 * detection.GreenTokens / detection.ScoredTokens:F1}%; {100 * settings.GreenFraction:0.#}% expected without the key)");
        output.WriteLine($"scored tokens  {detection.ScoredTokens}");
        output.WriteLine($"green tokens   {detection.GreenTokens}{share}");
        output.WriteLine(string.Create(invariant, $"z-score        {detection.ZScore:F2}"));
        output.WriteLine(string.Create(invariant, $"p-value        {detection.PValue:G3}"));
        string bound = threshold.ToString("0.##", invariant);
        output.WriteLine(detection.Detected
            ? $"verdict        watermarked with key '{settings.Key.KeyId}' (z ≥ {bound})"
            : $"verdict        no watermark found (z < {bound})");
        if (detection.Note is not null) output.WriteLine($"note           {detection.Note}");
    }

    static string ToJson(WatermarkDetection detection, WatermarkSettings settings, double threshold) => JsonSerializer.Serialize(new
    {
        key_id = settings.Key.KeyId,
        green_fraction = settings.GreenFraction,
        z_threshold = threshold,
        scored_tokens = detection.ScoredTokens,
        green_tokens = detection.GreenTokens,
        z_score = detection.ZScore,
        p_value = detection.PValue,
        watermarked = detection.Detected,
        note = detection.Note,
    });
}
