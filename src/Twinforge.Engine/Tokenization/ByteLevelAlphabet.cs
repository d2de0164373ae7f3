using System.Text;

namespace Twinforge.Engine.Tokenization;

/// <summary>
/// GPT-2's <c>bytes_to_unicode</c>: every byte gets a visible character, so a byte-level vocabulary can be stored as
/// JSON strings. Printable bytes (<c>!</c>..<c>~</c>, <c>¡</c>..<c>¬</c>, <c>®</c>..<c>ÿ</c>) map to themselves; the other
/// 68 map, in byte order, to U+0100 onwards (space becomes <c>Ġ</c>, newline <c>Ċ</c>).
/// </summary>
internal static class ByteLevelAlphabet
{
    static readonly char[] ByteToChar = BuildByteToChar();
    static readonly short[] CharToByte = BuildCharToByte(ByteToChar);

    /// <summary>The character that stands for <paramref name="value"/>.</summary>
    public static char ToChar(byte value) => ByteToChar[value];

    /// <summary>The byte a character stands for, or false if it is not one of the 256 symbols.</summary>
    public static bool TryToByte(char symbol, out byte value)
    {
        if (symbol < CharToByte.Length && CharToByte[symbol] >= 0)
        {
            value = (byte)CharToByte[symbol];
            return true;
        }
        value = 0;
        return false;
    }

    /// <summary>Maps bytes to their symbols: the form tokens take in vocab.json / tokenizer.json.</summary>
    public static string FromBytes(ReadOnlySpan<byte> bytes)
    {
        Span<char> chars = bytes.Length <= 512 ? stackalloc char[bytes.Length] : new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) chars[i] = ByteToChar[bytes[i]];
        return new string(chars);
    }

    /// <summary>UTF-8 encodes text and maps the bytes to symbols.</summary>
    public static string FromText(ReadOnlySpan<char> text)
    {
        int length = Encoding.UTF8.GetByteCount(text);
        Span<byte> bytes = length <= 512 ? stackalloc byte[length] : new byte[length];
        Encoding.UTF8.GetBytes(text, bytes);
        return FromBytes(bytes);
    }

    /// <summary>
    /// The bytes a vocabulary token stands for. A character outside the alphabet (which a byte-level vocabulary
    /// should not contain) contributes its own UTF-8 bytes, so nothing is silently lost.
    /// </summary>
    public static byte[] ToBytes(string token)
    {
        var bytes = new List<byte>(token.Length);
        Span<byte> scratch = stackalloc byte[4];
        for (int i = 0; i < token.Length; i++)
        {
            if (TryToByte(token[i], out byte value))
            {
                bytes.Add(value);
                continue;
            }
            int charCount = char.IsHighSurrogate(token[i]) && i + 1 < token.Length && char.IsLowSurrogate(token[i + 1]) ? 2 : 1;
            int written = Encoding.UTF8.GetBytes(token.AsSpan(i, charCount), scratch);
            for (int k = 0; k < written; k++) bytes.Add(scratch[k]);
            i += charCount - 1;
        }
        return bytes.ToArray();
    }

    static char[] BuildByteToChar()
    {
        var map = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[b] = printable ? (char)b : (char)next++;
        }
        return map;
    }

    static short[] BuildCharToByte(char[] byteToChar)
    {
        var map = new short[byteToChar.Max() + 1];
        Array.Fill(map, (short)-1);
        for (int b = 0; b < 256; b++) map[byteToChar[b]] = (short)b;
        return map;
    }
}
