using System.Text;
using System.Text.Json;
using Twinforge.Twins.Provenance;

namespace Twinforge.Twins.Tests.Provenance;

/// <summary>The canonical form against RFC 8785's own examples, so other JCS implementations reproduce the signed bytes.</summary>
public sealed class CanonicalJsonTests
{
    static string Canonical(string json) => Encoding.UTF8.GetString(CanonicalJson.Encode(JsonDocument.Parse(json).RootElement));

    [Fact]
    public void The_rfc_8785_example_canonicalises_to_the_rfcs_bytes()
    {
        // RFC 8785, section 3.2.2.3 (input) and 3.2.3 (output).
        const string input = """
            {
              "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """;

        Assert.Equal("""{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}""",
            Canonical(input));
    }

    [Fact]
    public void Members_sort_by_utf16_code_units_at_every_depth()
    {
        // RFC 8785, section 3.2.3's sorting example: "\r" < "1" < "z" < "\u0080" < "ö" < "€" < "😀" < "ﬂ" (a surrogate pair sorts before U+FB02).
        Assert.Equal("{\"\\r\":1,\"1\":2,\"z\":{\"a\":[{\"b\":1,\"c\":2}]},\"\u0080\":3,\"ö\":4,\"€\":5,\"😀\":6,\"ﬂ\":7}",
            Canonical("{\"ﬂ\":7,\"😀\":6,\"€\":5,\"ö\":4,\"\u0080\":3,\"1\":2,\"\\r\":1,\"z\":{\"a\":[{\"c\":2,\"b\":1}]}}"));
    }

    [Theory]
    // ECMAScript's Number::toString, from RFC 8785's appendix B and the ECMAScript specification.
    [InlineData(0.0, "0")]
    [InlineData(1.0, "1")]
    [InlineData(0.7, "0.7")]
    [InlineData(1.25, "1.25")]
    [InlineData(-1.5, "-1.5")]
    [InlineData(1e-7, "1e-7")]
    [InlineData(0.000001, "0.000001")]
    [InlineData(1e21, "1e+21")]
    [InlineData(1e20, "100000000000000000000")]
    [InlineData(123456789012345680000.0, "123456789012345680000")]
    [InlineData(9007199254740993.0, "9007199254740992")]
    [InlineData(5e-324, "5e-324")]
    [InlineData(1.7976931348623157e308, "1.7976931348623157e+308")]
    [InlineData(295147905179352830000.0, "295147905179352830000")]
    [InlineData(4.35, "4.35")]
    [InlineData(0.0000001234, "1.234e-7")]
    public void Numbers_are_written_as_ecmascript_writes_them(double value, string expected)
    {
        Assert.Equal(expected, CanonicalJson.Number(value));
    }

    /// <summary>Its own test: xUnit reads -0.0 and 0.0 as the same inline data, so the theory would run it once.</summary>
    [Fact]
    public void Negative_zero_is_written_as_zero()
    {
        const double negativeZero = -0.0;
        Assert.True(double.IsNegative(negativeZero));
        Assert.Equal("0", CanonicalJson.Number(negativeZero));
    }
}
