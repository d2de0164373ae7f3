using Twinforge.Engine;

namespace Twinforge.Voice.Training;

/// <summary>
/// Prepared utterances kept in one binary file, so a corpus's features (minutes to compute for hours of speech) are
/// computed once. Written atomically; a file of another version or a damaged one is an error naming it.
/// </summary>
public static class PreparedFeatureCache
{
    const int Version = 1;

    public static void Save(string path, IReadOnlyList<PreparedUtterance> utterances) => AtomicFile.Write(path, stream =>
    {
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write(Version);
        writer.Write(utterances.Count);
        foreach (var u in utterances)
        {
            writer.Write(u.Id);
            writer.Write(u.Speaker);
            writer.Write(u.Frames);
            Write(writer, u.Phonemes);
            Write(writer, u.Mel);
            Write(writer, u.Pitch);
            Write(writer, u.Energy);
        }
    });

    /// <exception cref="InputFileException">Not a feature cache of this version, or cut short.</exception>
    public static List<PreparedUtterance> Load(string path)
    {
        try
        {
            using var reader = new BinaryReader(File.OpenRead(path));
            if (reader.ReadInt32() != Version) throw new InputFileException(path, "is a feature cache of another version: delete it to compute the features again");
            int count = reader.ReadInt32();
            var utterances = new List<PreparedUtterance>(count);
            for (int i = 0; i < count; i++)
            {
                var id = reader.ReadString();
                int speaker = reader.ReadInt32(), frames = reader.ReadInt32();
                var phonemes = ReadInts(reader);
                var mel = ReadFloats(reader);
                var pitch = ReadFloats(reader);
                var energy = ReadFloats(reader);
                utterances.Add(new PreparedUtterance(id, speaker, phonemes, mel, frames, pitch, energy));
            }
            return utterances;
        }
        catch (EndOfStreamException error)
        {
            throw new InputFileException(path, "is cut short: delete it to compute the features again", inner: error);
        }
        catch (Exception error) when (error is IOException or ArgumentException or OverflowException or OutOfMemoryException)
        {
            // A damaged length field asks for an impossible array or string.
            throw new InputFileException(path, $"is damaged ({error.Message}): delete it to compute the features again", inner: error);
        }
    }

    static void Write(BinaryWriter writer, int[] values)
    {
        writer.Write(values.Length);
        foreach (var value in values) writer.Write(value);
    }

    static void Write(BinaryWriter writer, float[] values)
    {
        writer.Write(values.Length);
        foreach (var value in values) writer.Write(value);
    }

    static int[] ReadInts(BinaryReader reader)
    {
        var values = new int[reader.ReadInt32()];
        for (int i = 0; i < values.Length; i++) values[i] = reader.ReadInt32();
        return values;
    }

    static float[] ReadFloats(BinaryReader reader)
    {
        var values = new float[reader.ReadInt32()];
        for (int i = 0; i < values.Length; i++) values[i] = reader.ReadSingle();
        return values;
    }
}
