using System.Security.Cryptography;
using System.Text;

namespace Twinforge.Hub;

/// <summary>
/// Git's object id of a file's content, which the Hub reports as <c>blobId</c> and as the etag of a file not kept in
/// LFS: SHA-1 over <c>"blob {length}\0"</c> followed by the bytes.
/// </summary>
public static class GitBlobId
{
    public static IncrementalHash Start(long length)
    {
        var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        hash.AppendData(Encoding.ASCII.GetBytes($"blob {length}\0"));
        return hash;
    }

    public static string Of(byte[] content)
    {
        using var hash = Start(content.Length);
        hash.AppendData(content);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
