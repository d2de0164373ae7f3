using System.Text.Json;
using Twinforge.Engine.Tokenization;
using Twinforge.Engine.Watermarking;
using static Twinforge.Cli.Tests.CliTesting;

namespace Twinforge.Cli.Tests;

[Collection("Torch")]
public sealed class WatermarkCommandTests
{
    const string HumanText =
        "It was a bright cold day in April, and the clocks were striking thirteen. Winston Smith, his chin nuzzled into " +
        "his breast in an effort to escape the vile wind, slipped quickly through the glass doors of Victory Mansions, " +
        "though not quickly enough to prevent a swirl of gritty dust from entering along with him.";

    /// <summary>
    /// Printable text written with the key, as a watermarked generation that always found a green letter would write
    /// it: each letter is the first one, in a shuffled alphabet, that is green after the one before.
    /// </summary>
    static string WatermarkedLetters(WatermarkSettings settings, int length)
    {
        var greenList = new GreenList(settings);
        var alphabet = "etaoinshrdlucmfwypvbgkqjxz ETAOINSHRDLUCMFWYPVBGKQJXZ.,".Select(c => (int)c).ToArray();
        var ids = new List<int> { 'T' };
        for (int position = 1; position < length; position++)
        {
            // Rotating the alphabet keeps (previous, next) pairs from repeating, so every pair is scored.
            var rotated = alphabet.Skip(position % alphabet.Length).Concat(alphabet.Take(position % alphabet.Length));
            ids.Add(rotated.First(letter => greenList.Contains(ids[^1], letter)));
        }
        return string.Concat(ids.Select(id => (char)id));
    }

    /// <summary>A tiny model and a key file made by <c>watermark key new</c>.</summary>
    static (string Model, string KeyFile) ModelAndKey(TemporaryDirectory directory)
    {
        var keyFile = directory.File("acme.key");
        Assert.Equal(ExitCodes.Success, Run("watermark", "key", "new", "-o", keyFile).ExitCode);
        return (TinyModel(directory.File("model")), keyFile);
    }

    [Fact]
    public void Detect_finds_the_keys_watermark_and_not_in_human_text_or_with_another_key()
    {
        using var directory = new TemporaryDirectory();
        var model = TinyModel(directory.File("model"));
        var keyFile = directory.File("acme.key");
        var (made, madeOutput, _) = Run("watermark", "key", "new", "-o", keyFile);
        Assert.Equal(ExitCodes.Success, made);
        Assert.Contains("'acme'", madeOutput);
        var key = WatermarkKeyFile.Read(keyFile);
        var settings = new WatermarkSettings(key);
        var textFile = directory.File("suspect.txt");
        File.WriteAllText(textFile, WatermarkedLetters(settings, 120));

        var (exitCode, output, error) = Run("watermark", "detect", "--key-file", keyFile, "--model", model, "--file", textFile);
        Assert.True(exitCode == ExitCodes.Success, error);
        Assert.Contains("verdict        watermarked with key 'acme'", output);
        var expected = WatermarkDetector.Detect(new ByteLevelTokenizer(), File.ReadAllText(textFile), settings);
        Assert.Contains($"scored tokens  {expected.ScoredTokens}", output);
        Assert.Contains($"z-score        {expected.ZScore:F2}", output);

        var found = JsonDocument.Parse(Run("watermark", "detect", "--key-file", keyFile, "--model", model, "--file", textFile, "--json").Output).RootElement;
        Assert.True(found.GetProperty("watermarked").GetBoolean()); // the field the HTTP API's detection has
        Assert.Equal("acme", found.GetProperty("key_id").GetString());

        var human = JsonDocument.Parse(Run("watermark", "detect", "--key-hex", key.SecretHex(), "--model", model, HumanText, "--json").Output).RootElement;
        Assert.False(human.GetProperty("watermarked").GetBoolean());
        Assert.InRange(human.GetProperty("z_score").GetDouble(), -4, 4);
        Assert.Contains("low entropy", human.GetProperty("note").GetString());

        var anotherKey = WatermarkKey.Create("other").SecretHex();
        var withAnother = JsonDocument.Parse(Run("watermark", "detect", "--key-hex", anotherKey, "--model", model, "--file", textFile, "--json").Output).RootElement;
        Assert.False(withAnother.GetProperty("watermarked").GetBoolean());
    }

    [Fact]
    public void Generate_with_a_watermark_key_changes_the_sample()
    {
        using var directory = new TemporaryDirectory();
        var (model, keyFile) = ModelAndKey(directory);
        string[] sampling = ["generate", "--model", model, "--prompt", "Why?", "--temperature", "1", "--seed", "3", "--max-new-tokens", "40"];
        var plain = Run(sampling);
        var watermarked = Run([.. sampling, "--watermark-key", keyFile]);
        Assert.Equal(ExitCodes.Success, watermarked.ExitCode);
        Assert.NotEqual(plain.Output, watermarked.Output);
        Assert.Equal(watermarked.Output, Run([.. sampling, "--watermark-key", keyFile]).Output);
    }

    [Fact]
    public void Key_and_text_must_each_be_given_once_and_a_key_is_never_replaced()
    {
        using var directory = new TemporaryDirectory();
        var (model, keyFile) = ModelAndKey(directory);
        var before = File.ReadAllText(keyFile);

        var again = Run("watermark", "key", "new", "-o", keyFile);
        Assert.Equal(ExitCodes.BadInput, again.ExitCode);
        Assert.Equal(before, File.ReadAllText(keyFile));

        var noKey = Run("watermark", "detect", "--model", model, "some text");
        Assert.Equal(ExitCodes.BadInput, noKey.ExitCode);
        Assert.Contains("--key-file or --key-hex", noKey.Error);
        var noText = Run("watermark", "detect", "--model", model, "--key-file", keyFile);
        Assert.Equal(ExitCodes.BadInput, noText.ExitCode);
        var badHex = Run("watermark", "detect", "--model", model, "--key-hex", "xyz", "text");
        Assert.Equal(ExitCodes.BadInput, badHex.ExitCode);
        Assert.Contains("--key-hex", badHex.Error);
    }
    [Fact]
    public void Empty_or_binary_text_and_an_empty_key_file_are_refused_naming_the_file()
    {
        using var directory = new TemporaryDirectory();
        var (model, keyFile) = ModelAndKey(directory);
        var empty = directory.File("empty.txt");
        File.WriteAllText(empty, " \n");
        var binary = directory.File("image.txt");
        File.WriteAllBytes(binary, [0x89, 0x50, 0x4E, 0x47, 0x00, 0x00, 0x1A, 0x0A, 0x41, 0x42]);
        var emptyKey = directory.File("blank.key");
        File.WriteAllText(emptyKey, "");

        var emptyFile = Run("watermark", "detect", "--model", model, "--key-file", keyFile, "--file", empty);
        Assert.Equal(ExitCodes.BadInput, emptyFile.ExitCode);
        Assert.Contains($"{empty}: is empty", emptyFile.Error);
        var emptyText = Run("watermark", "detect", "--model", model, "--key-file", keyFile, "");
        Assert.Equal(ExitCodes.BadInput, emptyText.ExitCode);
        Assert.Contains("the text to test is empty", emptyText.Error);
        var binaryFile = Run("watermark", "detect", "--model", model, "--key-file", keyFile, "--file", binary);
        Assert.Equal(ExitCodes.BadInput, binaryFile.ExitCode);
        Assert.Contains($"{binary}: is not text", binaryFile.Error);
        var blankKey = Run("watermark", "detect", "--model", model, "--key-file", emptyKey, "some text");
        Assert.Equal(ExitCodes.BadInput, blankKey.ExitCode);
        Assert.Contains($"{emptyKey}: is empty", blankKey.Error);
        Assert.DoesNotContain("(Parameter", blankKey.Error);
    }
}
