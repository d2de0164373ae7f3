namespace Twinforge.Engine.Data;

/// <summary>What <see cref="DatasetValidator.Validate"/> returns: the report, and the examples only when it has no error.</summary>
public sealed class ValidatedDataset
{
    internal ValidatedDataset(DatasetReport report, IReadOnlyList<TokenizedExample> examplesRead)
    {
        Report = report;
        ExamplesRead = examplesRead;
        Examples = report.IsValid ? examplesRead : [];
    }

    /// <summary>Every problem and the statistics.</summary>
    public DatasetReport Report { get; }

    /// <summary>The examples in file order, documents numbered from 0; empty when the report has errors.</summary>
    public IReadOnlyList<TokenizedExample> Examples { get; }

    /// <summary>Whatever was read despite errors: for statistics only, never for training.</summary>
    internal IReadOnlyList<TokenizedExample> ExamplesRead { get; }
}
