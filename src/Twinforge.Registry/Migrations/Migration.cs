namespace Twinforge.Registry.Migrations;

/// <summary>
/// One numbered step of the schema, as statements of shared SQL in which <c>{id}</c> and <c>{timestamp}</c> stand
/// for the back-end's auto-assigned key and UTC time column types. Applied once, in its own transaction.
/// </summary>
internal sealed record Migration(int Number, string Description, IReadOnlyList<string> Statements);
