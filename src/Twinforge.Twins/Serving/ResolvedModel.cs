using Twinforge.Registry.Records;

namespace Twinforge.Twins.Serving;

/// <summary>
/// What a model name stands for now: a base model alone, or a succeeded twin version on its base. <see cref="Id"/>
/// names exactly that (<c>ana/ana-style@2</c> for a twin), so a response says which version answered.
/// </summary>
public sealed record ResolvedModel(string Id, BaseModel Base, Creator? Creator, Twin? Twin, TwinVersion? Version);
