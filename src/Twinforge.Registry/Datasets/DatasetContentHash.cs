using System.Security.Cryptography;
using System.Text;

namespace Twinforge.Registry.Datasets;

/// <summary>
/// The content address of a dataset: SHA-256 over the SHA-256 of each file's normalised content, in the order given.
/// Normalising makes the same text hash the same however it was saved: a UTF-8 byte-order mark is dropped and CRLF
/// line endings become LF. Hashing per file keeps file boundaries (["ab","c"] differs from ["a","bc"]); file names do
/// not take part, so renaming a file keeps the address. A file that is not valid UTF-8 is refused with its name and
/// byte offset.
/// </summary>
/// <example><code>var fingerprint = DatasetContentHash.Compute(["chats-2024.jsonl", "chats-2025.jsonl"]);</code></example>
public static class DatasetContentHash
{
    const byte CarriageReturn = (byte)'\r';
    const byte LineFeed = (byte)'\n';

    public static DatasetFingerprint Compute(IReadOnlyList<string> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (files.Count == 0) throw new ArgumentException("a dataset needs at least one file", nameof(files));
        using var combined = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long bytes = 0, lines = 0;
        foreach (var file in files)
        {
            var (digest, fileBytes, fileLines) = HashFile(file);
            combined.AppendData(digest);
            bytes += fileBytes;
            lines += fileLines;
        }
        return new DatasetFingerprint(
            Convert.ToHexStringLower(combined.GetHashAndReset()), [.. files.Select(Path.GetFileName)!], bytes, lines);
    }

    /// <summary>The normalised bytes of one file, as hashed (for tests and for storing a normalised copy).</summary>
    public static byte[] Normalise(ReadOnlySpan<byte> content, string description)
    {
        using var output = new MemoryStream();
        var state = new Normaliser(description);
        state.Feed(content, output.Write);
        state.Finish(output.Write);
        return output.ToArray();
    }

    static (byte[] Digest, long Bytes, long Lines) HashFile(string path)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var normaliser = new Normaliser(path);
        long bytes = 0, lines = 0;
        void Emit(ReadOnlySpan<byte> chunk)
        {
            hash.AppendData(chunk);
            bytes += chunk.Length;
            lines += chunk.Count(LineFeed);
        }
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
        {
            var buffer = new byte[1 << 16];
            int read;
            while ((read = stream.Read(buffer)) > 0) normaliser.Feed(buffer.AsSpan(0, read), Emit);
        }
        normaliser.Finish(Emit);
        return (hash.GetHashAndReset(), bytes, lines);
    }

    delegate void Sink(ReadOnlySpan<byte> chunk);

    /// <summary>
    /// Streams bytes through UTF-8 validation, BOM removal and CRLF → LF. Working on bytes is safe: in UTF-8, CR and
    /// LF never occur inside a multi-byte character.
    /// </summary>
    sealed class Normaliser(string description)
    {
        readonly Decoder validator = new UTF8Encoding(false, throwOnInvalidBytes: true).GetDecoder();
        readonly char[] scratch = new char[1 << 16];
        long offset;
        bool atStart = true;
        bool pendingCarriageReturn;
        byte[] leadingBytes = [];

        public void Feed(ReadOnlySpan<byte> chunk, Sink emit)
        {
            if (atStart)
            {
                // Hold back up to three bytes until we know whether they are a byte-order mark.
                var head = leadingBytes.Concat(chunk.ToArray()).ToArray();
                if (head.Length < 3 && ((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]).StartsWith(head))
                {
                    leadingBytes = head;
                    return;
                }
                atStart = false;
                var skip = head.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
                Validate(head.AsSpan(0, skip), flush: false);
                Process(head.AsSpan(skip), emit);
                return;
            }
            Process(chunk, emit);
        }

        public void Finish(Sink emit)
        {
            if (atStart)
            {
                atStart = false;
                Process(leadingBytes, emit);
            }
            Validate([], flush: true);
            if (pendingCarriageReturn) emit([CarriageReturn]);
            pendingCarriageReturn = false;
        }

        void Process(ReadOnlySpan<byte> chunk, Sink emit)
        {
            Validate(chunk, flush: false);
            var start = 0;
            if (pendingCarriageReturn && chunk.Length > 0)
            {
                pendingCarriageReturn = false;
                if (chunk[0] != LineFeed) emit([CarriageReturn]);
            }
            for (var i = 0; i < chunk.Length; i++)
            {
                if (chunk[i] != CarriageReturn) continue;
                emit(chunk[start..i]);
                start = i + 1;
                if (i + 1 == chunk.Length) pendingCarriageReturn = true;
                else if (chunk[i + 1] != LineFeed) emit([CarriageReturn]);
            }
            emit(chunk[start..]);
        }

        void Validate(ReadOnlySpan<byte> chunk, bool flush)
        {
            try
            {
                var remaining = chunk;
                do
                {
                    var take = Math.Min(remaining.Length, scratch.Length / 2);
                    validator.Convert(remaining[..take], scratch, flush && take == remaining.Length, out var used, out _, out _);
                    remaining = remaining[used..];
                    offset += used;
                } while (remaining.Length > 0);
            }
            catch (DecoderFallbackException e)
            {
                throw new InvalidDataException(
                    $"{description}: not valid UTF-8 near byte {offset + Math.Max(e.Index, 0)}; datasets must be UTF-8 text", e);
            }
        }
    }
}
