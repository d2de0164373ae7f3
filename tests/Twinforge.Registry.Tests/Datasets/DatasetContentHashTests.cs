using System.Security.Cryptography;
using System.Text;
using Twinforge.Registry.Datasets;

namespace Twinforge.Registry.Tests.Datasets;

public sealed class DatasetContentHashTests : IDisposable
{
    readonly TemporaryDirectory scratch = new();

    public void Dispose() => scratch.Dispose();

    string Write(string name, byte[] bytes)
    {
        var path = scratch.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    string Write(string name, string text) => Write(name, Encoding.UTF8.GetBytes(text));

    /// <summary>The documented definition, computed independently: SHA-256 over each file's SHA-256 of its LF-normalised text.</summary>
    static string Expected(params string[] normalisedTexts) => Convert.ToHexStringLower(SHA256.HashData(
        normalisedTexts.SelectMany(t => SHA256.HashData(Encoding.UTF8.GetBytes(t))).ToArray()));

    [Fact]
    public void The_hash_is_the_sha256_of_each_files_normalised_sha256()
    {
        var fingerprint = DatasetContentHash.Compute([Write("a.jsonl", "{\"x\":1}\r\n{\"x\":2}\r\n"), Write("b.txt", "héllo\nworld")]);

        Assert.Equal(Expected("{\"x\":1}\n{\"x\":2}\n", "héllo\nworld"), fingerprint.ContentHash);
        Assert.Equal(["a.jsonl", "b.txt"], fingerprint.SourceFiles);
        Assert.Equal(3, fingerprint.Lines);
        Assert.Equal(Encoding.UTF8.GetByteCount("{\"x\":1}\n{\"x\":2}\nhéllo\nworld"), fingerprint.NormalisedBytes);
    }

    [Fact]
    public void Line_endings_and_a_byte_order_mark_do_not_change_the_hash()
    {
        var unix = DatasetContentHash.Compute([Write("unix.txt", "one\ntwo\n")]);
        var windows = DatasetContentHash.Compute([Write("windows.txt", "one\r\ntwo\r\n")]);
        var withBom = DatasetContentHash.Compute([Write("bom.txt", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("one\r\ntwo\n")])]);

        Assert.Equal(unix.ContentHash, windows.ContentHash);
        Assert.Equal(unix.ContentHash, withBom.ContentHash);
    }

    [Fact]
    public void A_crlf_split_across_read_buffers_is_still_normalised()
    {
        // 65 535 characters then CRLF: the CR ends the first 64 KiB read, the LF starts the next.
        var text = new string('a', 65_535) + "\r\n" + "tail\rlone carriage return\r";
        var fingerprint = DatasetContentHash.Compute([Write("big.txt", text)]);

        Assert.Equal(Expected(text.Replace("\r\n", "\n")), fingerprint.ContentHash);
    }

    [Fact]
    public void Different_content_or_file_boundaries_give_different_hashes()
    {
        var ab_c = DatasetContentHash.Compute([Write("1.txt", "ab"), Write("2.txt", "c")]);
        var a_bc = DatasetContentHash.Compute([Write("3.txt", "a"), Write("4.txt", "bc")]);
        var renamed = DatasetContentHash.Compute([Write("x.txt", "ab"), Write("y.txt", "c")]);

        Assert.NotEqual(ab_c.ContentHash, a_bc.ContentHash);
        Assert.Equal(ab_c.ContentHash, renamed.ContentHash);
    }

    [Fact]
    public void A_file_that_is_not_utf8_is_refused_naming_it()
    {
        var path = Write("latin1.txt", [(byte)'o', (byte)'k', 0xE9, (byte)'!']);

        var error = Assert.Throws<InvalidDataException>(() => DatasetContentHash.Compute([path]));

        Assert.Contains(path, error.Message);
        Assert.Contains("not valid UTF-8", error.Message);
    }
}
