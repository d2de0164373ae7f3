using Twinforge.Engine.Models;

namespace Twinforge.Engine.Lora;

/// <summary>A projection that carries a LoRA adapter, by its full module name (e.g. <c>model.layers.0.self_attn.q_proj</c>).</summary>
public sealed record AdaptedModule(string Name, Projection Projection)
{
    public LoraAdapter Adapter => Projection.Adapter
        ?? throw new InvalidOperationException($"'{Name}' no longer has an adapter (merged or detached)");
}
