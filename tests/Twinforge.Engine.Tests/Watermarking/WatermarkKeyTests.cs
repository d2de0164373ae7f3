using Twinforge.Engine.Watermarking;

namespace Twinforge.Engine.Tests.Watermarking;

public sealed class WatermarkKeyTests
{
    [Fact]
    public void A_new_key_has_32_random_bytes()
    {
        var first = WatermarkKey.Create("org-a");
        var second = WatermarkKey.Create("org-a");
        Assert.Equal(32, first.Secret.Length);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void A_key_read_back_from_hex_equals_the_original()
    {
        var key = WatermarkKey.Create("org-a");
        var again = WatermarkKey.FromHex("org-a", key.SecretHex());
        Assert.Equal(key, again);
        Assert.Equal(key.GetHashCode(), again.GetHashCode());
        Assert.NotEqual(key, again with { KeyId = "org-b" });
    }

    [Fact]
    public void The_secret_is_copied_and_never_printed()
    {
        var secret = Enumerable.Range(1, 16).Select(i => (byte)i).ToArray();
        var key = new WatermarkKey("org-a", secret);
        secret[0] = 99;
        Assert.Equal(1, key.Secret[0]);
        Assert.DoesNotContain(key.SecretHex(), key.ToString());
        Assert.DoesNotContain(key.SecretHex(), new WatermarkSettings(key).ToString());
    }

    [Fact]
    public void Short_secrets_empty_ids_and_bad_hex_are_refused()
    {
        Assert.Equal("Secret", Assert.Throws<ArgumentException>(() => new WatermarkKey("org-a", new byte[15])).ParamName);
        Assert.Equal("KeyId", Assert.Throws<ArgumentException>(() => new WatermarkKey(" ", new byte[16])).ParamName);
        Assert.Throws<ArgumentException>(() => WatermarkKey.FromHex("org-a", "not hex at all, not at all"));
    }

    [Fact]
    public void Derived_keys_are_deterministic_and_differ_per_key_id()
    {
        var master = Enumerable.Range(0, 32).Select(i => (byte)(i * 7)).ToArray();
        Assert.Equal(WatermarkKey.Derive(master, "org-a"), WatermarkKey.Derive(master, "org-a"));
        Assert.NotEqual(WatermarkKey.Derive(master, "org-a").Secret, WatermarkKey.Derive(master, "org-b").Secret);
    }

    [Fact]
    public void A_key_file_round_trips_and_only_its_owner_can_read_it()
    {
        using var directory = new TemporaryDirectory();
        var path = Path.Combine(directory.Path, "org-a.key");
        var key = WatermarkKey.Create("org-a");
        WatermarkKeyFile.Write(path, key);
        Assert.Equal(key, WatermarkKeyFile.Read(path));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));

        var hexOnly = Path.Combine(directory.Path, "plain.hex");
        File.WriteAllText(hexOnly, key.SecretHex() + "\n");
        Assert.Equal(key.Secret, WatermarkKeyFile.Read(hexOnly).Secret);

        File.WriteAllText(path, "{\"key_id\": \"x\"}");
        var error = Assert.Throws<InputFileException>(() => WatermarkKeyFile.Read(path));
        Assert.Contains("secret", error.Message);

        // Neither JSON nor hex (a text file, a JSON list): what a key file is, not how hexadecimal is written.
        foreach (var notAKey in new[] { "hello", "[1]" })
        {
            File.WriteAllText(path, notAKey);
            Assert.Contains("is not a watermark key file: expected the JSON 'twinforge watermark key new' writes",
                Assert.Throws<InputFileException>(() => WatermarkKeyFile.Read(path)).Message);
        }
    }

    [Theory]
    [InlineData(0.0, 0.25, "Delta")]
    [InlineData(double.PositiveInfinity, 0.25, "Delta")]
    [InlineData(2.0, 0.0, "GreenFraction")]
    [InlineData(2.0, 1.0, "GreenFraction")]
    public void Settings_out_of_range_are_refused_naming_the_field(double delta, double greenFraction, string field)
    {
        var key = WatermarkKey.Create("org-a");
        Assert.Equal(field, Assert.Throws<ArgumentException>(() => new WatermarkSettings(key, delta, greenFraction)).ParamName);
        // A copy made with `with` is checked as well.
        var valid = new WatermarkSettings(key);
        Assert.Equal(field, Assert.Throws<ArgumentException>(() => field == "Delta" ? valid with { Delta = delta } : valid with { GreenFraction = greenFraction }).ParamName);
    }
}
