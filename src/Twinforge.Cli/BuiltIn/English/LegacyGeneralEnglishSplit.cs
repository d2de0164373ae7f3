using Twinforge.Engine.Data;

namespace Twinforge.Cli.BuiltIn.English;

/// <summary>
/// The documents today's built-in base held out from its training file, general-english.txt: the trainer reads it as
/// <c>%</c>-separated plain text, numbers its documents, and holds out
/// <see cref="SeededDocumentSplit.ByDocument"/>(count, 0.02, seed 1) of them (<see cref="BuiltInBaseModel.PretrainingOptions"/>).
/// With the byte-level tokenizer every document the reader yields counts (it ends with an end-of-text token, so even a
/// one-byte document has a token to train on, and splitting a long one keeps its number), so reading the file the
/// trainer's way and splitting the same count with the same seed gives the same documents. A test checks this against
/// the trainer itself.
/// </summary>
public sealed class LegacyGeneralEnglishSplit
{
    LegacyGeneralEnglishSplit(IReadOnlyList<string> documents, IReadOnlyList<int> heldOut)
    {
        Documents = documents;
        HeldOutIndices = heldOut;
    }

    /// <summary>The file's documents, as the trainer reads them.</summary>
    public IReadOnlyList<string> Documents { get; }

    /// <summary>The positions of the held-out documents, ascending.</summary>
    public IReadOnlyList<int> HeldOutIndices { get; }

    /// <summary>The held-out documents' texts, in file order.</summary>
    public IEnumerable<string> HeldOut => HeldOutIndices.Select(index => Documents[index]);

    /// <summary>Splits <paramref name="generalEnglishFile"/> as the built-in base's pre-training did.</summary>
    public static LegacyGeneralEnglishSplit Of(string generalEnglishFile)
    {
        var data = BuiltInBaseModel.PretrainingOptions(BuiltInModelSize.Standard).Data;
        var documents = SeparatedTextFile.Read(generalEnglishFile, data.PlainTextSeparator ?? throw new InvalidOperationException("the base's corpus has a separator"));
        var split = SeededDocumentSplit.ByDocument(documents.Count, data.ValidationFraction, data.Seed);
        return new LegacyGeneralEnglishSplit(documents, split.Validation);
    }
}
