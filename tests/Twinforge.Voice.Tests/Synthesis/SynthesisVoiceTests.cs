using Twinforge.Voice.Synthesis;

namespace Twinforge.Voice.Tests.Synthesis;

public sealed class SynthesisVoiceTests
{
    [Theory]
    [InlineData("espeak-en-us+f3-p40-s150")]
    [InlineData("espeak-en-gb-scotland")]
    [InlineData("espeak-en-gb-x-rp+m2-p70")]
    [InlineData("flite-slt")]
    public void A_voice_id_reads_back_to_the_same_voice(string id) => Assert.Equal(id, SynthesisVoice.Parse(id).Id);

    [Fact]
    public void An_id_keeps_accent_variant_pitch_and_rate_apart()
    {
        Assert.Equal(new SynthesisVoice(SynthesisEngine.EspeakNg, "en-gb-x-rp+m2", 70), SynthesisVoice.Parse("espeak-en-gb-x-rp+m2-p70"));
        Assert.Equal(new SynthesisVoice(SynthesisEngine.Flite, "awb"), SynthesisVoice.Parse("flite-awb"));
        Assert.Throws<FormatException>(() => SynthesisVoice.Parse("festival-kal"));
    }
}
