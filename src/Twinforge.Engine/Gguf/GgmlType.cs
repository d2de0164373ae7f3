namespace Twinforge.Engine.Gguf;

/// <summary>
/// The ggml tensor encodings Twinforge writes, with ggml's own numbers (<c>enum ggml_type</c> in ggml.h; GGUF stores
/// the number in each tensor's info).
/// </summary>
public enum GgmlType : uint
{
    /// <summary>IEEE float32, 4 bytes an element.</summary>
    F32 = 0,

    /// <summary>IEEE float16, 2 bytes an element.</summary>
    F16 = 1,

    /// <summary>Blocks of 32 elements along a row: a float16 scale d, then 32 int8 q; x ≈ d·q. 34 bytes a block.</summary>
    Q8_0 = 8,

    /// <summary>bfloat16 (the upper half of a float32), 2 bytes an element.</summary>
    BF16 = 30,
}

/// <summary>Sizes and names of <see cref="GgmlType"/>s.</summary>
public static class GgmlTypes
{
    /// <summary>Elements in one Q8_0 block (ggml's QK8_0).</summary>
    public const int Q8BlockSize = 32;

    /// <summary>Bytes of one Q8_0 block: the float16 scale and 32 int8 values.</summary>
    public const int Q8BlockBytes = 2 + Q8BlockSize;

    /// <summary>The names <c>--gguf-type</c> accepts, lower case as llama.cpp's tools spell them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["f32", "f16", "bf16", "q8_0"];

    /// <summary>The type called <paramref name="name"/> (case-insensitive): f32, f16, bf16 or q8_0.</summary>
    /// <exception cref="ArgumentException">Not one of <see cref="Names"/>.</exception>
    public static GgmlType Parse(string name) => name.ToLowerInvariant() switch
    {
        "f32" => GgmlType.F32,
        "f16" => GgmlType.F16,
        "bf16" => GgmlType.BF16,
        "q8_0" => GgmlType.Q8_0,
        _ => throw new ArgumentException($"unknown GGUF tensor type '{name}' (known: {string.Join(", ", Names)})", nameof(name)),
    };

    public static string Name(this GgmlType type) => type switch
    {
        GgmlType.F32 => "f32",
        GgmlType.F16 => "f16",
        GgmlType.BF16 => "bf16",
        GgmlType.Q8_0 => "q8_0",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a type Twinforge writes"),
    };

    /// <summary>Bytes that <paramref name="elements"/> elements take (a multiple of 32 for Q8_0).</summary>
    public static long ByteCount(this GgmlType type, long elements) => type switch
    {
        GgmlType.F32 => elements * 4,
        GgmlType.F16 or GgmlType.BF16 => elements * 2,
        GgmlType.Q8_0 when elements % Q8BlockSize == 0 => elements / Q8BlockSize * Q8BlockBytes,
        GgmlType.Q8_0 => throw new ArgumentException($"Q8_0 needs a multiple of {Q8BlockSize} elements, not {elements}", nameof(elements)),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a type Twinforge writes"),
    };

    /// <summary>
    /// llama.cpp's <c>general.file_type</c> (<c>enum llama_ftype</c>) for a file whose matrices are of this type:
    /// ALL_F32 0, MOSTLY_F16 1, MOSTLY_Q8_0 7, MOSTLY_BF16 32.
    /// </summary>
    public static uint FileType(this GgmlType type) => type switch
    {
        GgmlType.F32 => 0,
        GgmlType.F16 => 1,
        GgmlType.Q8_0 => 7,
        GgmlType.BF16 => 32,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a type Twinforge writes"),
    };
}
