using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Twinforge.Engine.Watermarking;

namespace Twinforge.Engine.Tests.Watermarking;

public sealed class GreenListTests
{
    static readonly WatermarkSettings Settings = new(new WatermarkKey("org-a", Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()));
    static readonly WatermarkSettings OtherKey = Settings with { Key = new WatermarkKey("org-b", Enumerable.Range(0, 32).Select(i => (byte)(255 - i)).ToArray()) };

    [Fact]
    public void The_list_is_the_same_for_the_same_key_and_previous_token()
    {
        Assert.Equal(new GreenList(Settings).Members(42, 5000), new GreenList(Settings).Members(42, 5000));
    }

    [Fact]
    public void Another_key_or_another_previous_token_gives_another_list()
    {
        var list = new GreenList(Settings).Members(42, 5000).ToHashSet();
        var otherKey = new GreenList(OtherKey).Members(42, 5000);
        var otherPrevious = new GreenList(Settings).Members(43, 5000);
        // Independent lists of share γ overlap in about γ of their members.
        Assert.InRange(otherKey.Count(list.Contains) / (double)otherKey.Length, 0.2, 0.3);
        Assert.InRange(otherPrevious.Count(list.Contains) / (double)otherPrevious.Length, 0.2, 0.3);
    }

    [Theory]
    [InlineData(0.25)]
    [InlineData(0.5)]
    [InlineData(0.1)]
    public void About_a_fraction_gamma_of_the_vocabulary_is_green(double gamma)
    {
        var greenList = new GreenList(Settings with { GreenFraction = gamma });
        const int vocabulary = 50_000;
        // Each token is a coin of probability γ: the share lies within 5 standard deviations of γ.
        double tolerance = 5 * Math.Sqrt(gamma * (1 - gamma) / vocabulary);
        foreach (int previous in new[] { 0, 1, 256, 49_999 })
            Assert.InRange(greenList.Members(previous, vocabulary).Length / (double)vocabulary, gamma - tolerance, gamma + tolerance);
    }

    [Fact]
    public void Membership_agrees_with_the_whole_list_and_with_the_schemes_definition()
    {
        var greenList = new GreenList(Settings);
        var members = greenList.Members(7, 300).ToHashSet();
        for (int token = 0; token < 300; token++)
        {
            Assert.Equal(members.Contains(token), greenList.Contains(7, token));
            Assert.Equal(SchemeSaysGreen(Settings, 7, token), greenList.Contains(7, token));
        }
    }

    /// <summary>
    /// The scheme written out independently: detection of text watermarked by an earlier version depends on it never
    /// changing. seed = first 8 bytes (little-endian) of HMAC-SHA256(secret, "twinforge.watermark.v1:" ‖ previous as
    /// int32 LE); coin = SplitMix64's output number <c>token</c> for that seed; green when coin / 2^64 &lt; γ.
    /// </summary>
    static bool SchemeSaysGreen(WatermarkSettings settings, int previous, int token)
    {
        var message = Encoding.ASCII.GetBytes("twinforge.watermark.v1:").Concat(BitConverter.GetBytes(previous)).ToArray();
        ulong seed = BinaryPrimitives.ReadUInt64LittleEndian(HMACSHA256.HashData(settings.Key.Secret, message));
        ulong state = seed;
        ulong output = 0;
        for (int step = 0; step <= token; step++)
        {
            state += 0x9E3779B97F4A7C15UL;
            ulong z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            output = z ^ (z >> 31);
        }
        return (decimal)output / 18446744073709551616m < (decimal)settings.GreenFraction;
    }
}
