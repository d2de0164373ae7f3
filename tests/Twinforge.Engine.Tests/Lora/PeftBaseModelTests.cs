using Twinforge.Engine.Lora;

namespace Twinforge.Engine.Tests.Lora;

public class PeftBaseModelTests
{
    [Fact]
    public void A_hub_source_is_named_by_its_repository_and_pinned_commit()
    {
        var commit = new string('a', 40);
        var named = PeftBaseModel.Of("/cache/models--org--name/snapshots/" + commit, $"hf:org/name@{commit}");
        Assert.Equal(new PeftBaseModel("org/name", commit), named);
    }

    [Fact]
    public void A_hub_source_without_a_revision_has_none()
    {
        Assert.Equal(new PeftBaseModel("org/name"), PeftBaseModel.Of("/somewhere", "hf:org/name"));
    }

    [Fact]
    public void A_local_base_is_named_by_its_full_path()
    {
        var named = PeftBaseModel.Of("models/base", baseModelSource: null);
        Assert.Equal(Path.GetFullPath("models/base"), named.NameOrPath);
        Assert.Null(named.Revision);
    }
}
