namespace Twinforge.Registry.Records;

/// <summary>
/// A pretrained model that versions are fine-tuned from. It is located by a path, by a content hash in the
/// artifact store, or both; at least one is present.
/// </summary>
public sealed record BaseModel(
    long Id,
    string Name,
    string? Path,
    string? ContentHash,
    string Architecture,
    long ParameterCount,
    DateTimeOffset CreatedAt);
