using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using TorchSharp;
using static TorchSharp.torch;

namespace Twinforge.Engine.Checkpoints;

/// <summary>
/// A safetensors file opened for reading. <see cref="Open"/> reads and validates only the header; tensor bytes are
/// read on demand, straight from the file into the destination tensor's memory, so loading a checkpoint needs about
/// its size in memory, not twice it. Reads are positional, so several threads may read different tensors at once.
/// </summary>
/// <example><code>
/// using var file = SafetensorsFile.Open("model.safetensors");
/// file.ReadInto("lm_head.weight", parameter); // converts if the dtypes differ
/// </code></example>
public sealed class SafetensorsFile : IDisposable
{
    readonly SafeFileHandle handle;
    readonly SafetensorsHeader header;
    readonly long dataStart;
    bool disposed;

    SafetensorsFile(string path, SafeFileHandle handle, SafetensorsHeader header, long dataStart)
    {
        Path = path;
        this.handle = handle;
        this.header = header;
        this.dataStart = dataStart;
        TensorNames = header.Tensors.Keys.Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The file, as given to <see cref="Open"/>.</summary>
    public string Path { get; }

    /// <summary>The header's <c>__metadata__</c> (e.g. <c>format: pt</c>); empty when there is none.</summary>
    public IReadOnlyDictionary<string, string> Metadata => header.Metadata;

    /// <summary>The tensor names, sorted ordinally.</summary>
    public IReadOnlyList<string> TensorNames { get; }

    /// <summary>
    /// Opens <paramref name="path"/> and validates its header against the file's length. Every problem — a missing
    /// file, a truncated file, a header that is not JSON, an unknown dtype, offsets that do not fit — is an
    /// <see cref="InputFileException"/> naming the file and, where there is one, the tensor.
    /// </summary>
    public static SafetensorsFile Open(string path)
    {
        var handle = OpenHandle(path);
        try
        {
            var fileLength = RandomAccess.GetLength(handle);
            if (fileLength < 8)
                throw new InputFileException(path,
                    $"truncated or not a safetensors file: it has {fileLength} bytes, fewer than the 8-byte header length");

            // Format: u64 little-endian header length N, N bytes of JSON, then the data buffer.
            Span<byte> lengthField = stackalloc byte[8];
            ReadExactly(handle, lengthField, 0, path, item: null);
            var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthField);
            if (headerLength > (ulong)(fileLength - 8))
                throw new InputFileException(path,
                    $"truncated or not a safetensors file: the header length field says {headerLength} bytes " +
                    $"but only {fileLength - 8} bytes follow it");
            if (headerLength > SafetensorsHeader.MaxHeaderBytes)
                throw new InputFileException(path,
                    $"the header length field says {headerLength} bytes, more than the {SafetensorsHeader.MaxHeaderBytes} " +
                    "a safetensors header may have: corrupt or not a safetensors file");

            var json = new byte[headerLength];
            ReadExactly(handle, json, 8, path, item: null);
            var dataStart = 8 + (long)headerLength;
            var header = SafetensorsHeader.Parse(path, json, bufferLength: fileLength - dataStart);
            return new SafetensorsFile(path, handle, header, dataStart);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    static SafeFileHandle OpenHandle(string path)
    {
        try
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InputFileException(path, "file not found", inner: e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new InputFileException(path, "cannot be read: access denied", inner: e);
        }
    }

    /// <summary>True when the file holds a tensor named <paramref name="name"/>.</summary>
    public bool Contains(string name) => header.Tensors.ContainsKey(name);

    /// <summary>The dtype, shape and byte offsets of one tensor.</summary>
    public SafetensorsTensorInfo GetInfo(string name) =>
        header.Tensors.TryGetValue(name, out var info)
            ? info
            : throw new InputFileException(Path, "no tensor of this name in the file", name);

    /// <summary>
    /// Reads tensor <paramref name="name"/> into <paramref name="destination"/>, a contiguous CPU tensor of the same
    /// shape. With the same dtype the bytes go straight from the file into the tensor's memory; otherwise they are
    /// read into a temporary tensor of the file's dtype and converted with <c>copy_</c>.
    /// </summary>
    public void ReadInto(string name, Tensor destination)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        ArgumentNullException.ThrowIfNull(destination);
        var info = GetInfo(name);
        if (destination.device_type != DeviceType.CPU)
            throw new ArgumentException($"'{name}': the destination must be on the CPU, not {destination.device}", nameof(destination));
        if (!destination.is_contiguous())
            throw new ArgumentException($"'{name}': the destination must be contiguous", nameof(destination));
        if (!destination.shape.SequenceEqual(info.Shape))
            throw new InputFileException(Path,
                $"shape mismatch: the file holds {info.ShapeText} ({SafetensorsDType.NameFor(info.DType)}) " +
                $"but the destination is {SafetensorsTensorInfo.FormatShape(destination.shape)} ({destination.dtype})", name);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad(); // destinations are often parameters; copy_ into a leaf needs no autograd
        if (destination.dtype == info.DType)
        {
            ReadBytes(info, destination);
            return;
        }
        using var staging = empty(info.ShapeArray(), info.DType);
        ReadBytes(info, staging);
        destination.copy_(staging);
    }

    /// <summary>Reads tensor <paramref name="name"/> into a new CPU tensor of the file's dtype and shape.</summary>
    public Tensor ReadTensor(string name)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var info = GetInfo(name);
        var tensor = empty(info.ShapeArray(), info.DType);
        try
        {
            ReadBytes(info, tensor);
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    void ReadBytes(SafetensorsTensorInfo info, Tensor target)
    {
        var fileOffset = dataStart + info.Begin;
        TensorStorage.ForEachChunk(target, bytes =>
        {
            ReadExactly(handle, bytes, fileOffset, Path, info.Name);
            // A bool byte other than 0 or 1 is undefined behaviour in torch; the spec stores bools as 0/1 bytes.
            if (info.DType == ScalarType.Bool && bytes.IndexOfAnyExceptInRange((byte)0, (byte)1) >= 0)
                throw new InputFileException(Path, "a BOOL tensor holds a byte other than 0 or 1", info.Name);
            fileOffset += bytes.Length;
        });
    }

    static void ReadExactly(SafeFileHandle handle, Span<byte> buffer, long fileOffset, string path, string? item)
    {
        while (!buffer.IsEmpty)
        {
            var read = RandomAccess.Read(handle, buffer, fileOffset);
            if (read == 0)
                throw new InputFileException(path, "truncated: the file ended before the bytes its header promises", item);
            buffer = buffer[read..];
            fileOffset += read;
        }
    }

    /// <summary>Closes the file; tensors already read stay valid.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        handle.Dispose();
    }
}
