namespace Twinforge.Registry.Records;

/// <summary>What the caller supplies to record a base model; see <see cref="BaseModel"/>.</summary>
public sealed record NewBaseModel(string Name, string? Path, string? ContentHash, string Architecture, long ParameterCount);
