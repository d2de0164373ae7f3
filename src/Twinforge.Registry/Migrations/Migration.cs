namespace Twinforge.Registry.Migrations;

/// <summary>
/// One numbered step of the schema, as statements of shared SQL in which <c>{id}</c> and <c>{timestamp}</c> stand
/// for the back-end's auto-assigned key and UTC time column types. Applied once, in its own transaction.
/// </summary>
internal sealed record Migration(int Number, string Description, IReadOnlyList<string> Statements)
{
    /// <summary>
    /// What SQLite runs instead of <see cref="Statements"/>, for a change it cannot make in place: SQLite cannot drop a
    /// table's constraint, so it rebuilds the table. Null when the shared statements serve both back-ends.
    /// </summary>
    public IReadOnlyList<string>? SqliteStatements { get; init; }
}
