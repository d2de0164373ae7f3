using TorchSharp;

namespace Twinforge.Engine.Models;

/// <summary>
/// A module that only groups children under Hugging Face names (e.g. GPT-2's <c>transformer</c>), so parameter
/// names carry the checkpoint's prefixes without a translation table.
/// </summary>
internal sealed class ModuleContainer(string name) : torch.nn.Module(name)
{
    public void Add(string childName, torch.nn.Module child) => register_module(childName, child);
}
