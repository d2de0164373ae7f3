namespace Twinforge.Hub.Tests;

public sealed class HubModelReferenceTests
{
    [Theory]
    [InlineData("Qwen/Qwen2.5-0.5B-Instruct", "Qwen/Qwen2.5-0.5B-Instruct", "main")]
    [InlineData("hf:Qwen/Qwen2.5-0.5B-Instruct@v1.0", "Qwen/Qwen2.5-0.5B-Instruct", "v1.0")]
    [InlineData("hf:gpt2", "gpt2", "main")]
    [InlineData("org/name@refs/pr/1", "org/name", "refs/pr/1")]
    public void Names_and_revisions_are_read(string text, string repoId, string revision)
    {
        var reference = HubModelReference.Parse(text);
        Assert.Equal(repoId, reference.RepoId);
        Assert.Equal(revision, reference.Revision);
    }

    [Theory]
    [InlineData("hf:")]
    [InlineData("hf:org/name/extra")]
    [InlineData("hf:org/na me")]
    [InlineData("hf:org--x/name")]
    [InlineData("hf:org/name@")]
    [InlineData("hf:../name")]
    public void Malformed_names_are_refused_with_the_form_expected(string text)
    {
        var refused = Assert.Throws<HubException>(() => HubModelReference.Parse(text));
        Assert.Equal(HubProblem.BadReference, refused.Problem);
        Assert.Contains($"'{text}'", refused.Message);
    }

    [Fact]
    public void A_commit_hash_pins_the_reference()
    {
        var commit = new string('a', 40);
        Assert.True(HubModelReference.Parse($"o/n@{commit}").IsPinned);
        Assert.False(HubModelReference.Parse("o/n@main").IsPinned);
        Assert.Equal($"hf:o/n@{commit}", HubModelReference.Parse("o/n").At(commit).ToString());
    }
}
