using Twinforge.Twins.Serving;

namespace Twinforge.Twins.Tests.Serving;

public sealed class ModelNameTests
{
    [Theory]
    [InlineData("ana-style", null, "ana-style", null)]
    [InlineData("ana-style@2", null, "ana-style", "2")]
    [InlineData("ana-style@production", null, "ana-style", "production")]
    [InlineData("ana/ana-style@2", "ana", "ana-style", "2")]
    [InlineData("builtin-standard.v1", null, "builtin-standard.v1", null)]
    public void Names_parse_into_creator_twin_and_selector(string text, string? creator, string name, string? selector)
    {
        var parsed = ModelName.Parse(text);

        Assert.Equal(new ModelName(creator, name, selector), parsed);
        Assert.Equal(text, parsed.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("../etc/passwd")]
    [InlineData("a/b/c")]
    [InlineData("ana-style@")]
    [InlineData("ana style")]
    [InlineData("..")]
    [InlineData("%2e%2e")]
    public void Anything_else_is_an_unknown_model(string text)
    {
        Assert.Throws<UnknownModelException>(() => ModelName.Parse(text));
    }

    [Fact]
    public void A_job_checkpoint_is_refused_naming_the_model_to_ask_instead()
    {
        var refused = Assert.Throws<UnknownModelException>(() => ModelName.Parse("creator-abc/ana-cancel@1:ckpt-step-6"));

        Assert.Equal("a fine-tuning job's checkpoint is not served, only the version the job publishes: ask creator-abc/ana-cancel@1", refused.Why);
    }

    [Fact]
    public void Only_a_plain_number_is_a_version()
    {
        Assert.Equal(12, ModelName.Parse("t@12").VersionNumber);
        Assert.Null(ModelName.Parse("t@v12").VersionNumber);
    }
}
