using System.Data.Common;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;

namespace Twinforge.Registry.Sql;

// Aliases ("production", "staging", …): promotion, rollback through the alias history, and resolution for serving.
internal sealed partial class SqlTwinRegistry
{
    const string AliasColumns = "a.twin_id, a.name, a.version_id, a.row_version, a.updated_at, a.updated_by";
    const string AliasChangeColumns = "h.id, h.twin_id, h.alias_name, h.kind, h.version_id, h.previous_version_id, h.changed_at, h.changed_by";

    public Alias SetAlias(long twinId, string aliasName, long versionId, string setBy, long? expectedRowVersion = null)
    {
        Names.RequireIdentifier(aliasName, "alias name");
        Names.RequireName(setBy, "set by");
        try
        {
            return Write(s =>
            {
                var twin = RequireTwin(s, twinId);
                // Shared lock on the version: a concurrent withdrawal that deletes it waits, then removes this alias too.
                var version = RequireVersionHeader(s, versionId, dialect.ForShareOf("v"));
                if (version.TwinId != twinId)
                    throw new InvalidVersionStateException(
                        $"version {version.Number} (id {versionId}) belongs to twin '{version.TwinName}', not '{twin.Name}'");
                if (version.Status == VersionStatus.Deleted)
                    throw new VersionDeletedException(twin.Name, version.Number, versionId, $"make it '{aliasName}'");
                if (version.Status != VersionStatus.Succeeded)
                    throw new VersionNotPromotableException(twin.Name, version.Number, version.Status, aliasName);

                var current = FindAlias(s, twinId, aliasName, dialect.ForUpdateOf("a"));
                if (expectedRowVersion is { } expected && expected != (current?.RowVersion ?? 0))
                    throw new RegistryConflictException(
                        $"alias '{aliasName}' of twin '{twin.Name}' changed since it was read (expected row version {expected}, found {current?.RowVersion ?? 0}): "
                        + "another writer moved it; nothing was recorded — re-read the alias and try again");
                if (current?.VersionId == versionId) return current;

                var now = Now();
                if (current is null)
                    s.Execute("INSERT INTO aliases (twin_id, name, version_id, row_version, updated_at, updated_by) VALUES (@twin, @name, @version, 1, @at, @by)",
                        ("twin", twinId), ("name", aliasName), ("version", versionId), ("at", s.Time(now)), ("by", setBy));
                else
                    MoveAlias(s, current, versionId, now, setBy);
                RecordAliasChange(s, twinId, aliasName, AliasChangeKind.Set, versionId, current?.VersionId, now, setBy);
                return FindAlias(s, twinId, aliasName)!;
            });
        }
        catch (DbException e) when (dialect.IsUniqueViolation(e))
        {
            throw new RegistryConflictException(
                $"alias '{aliasName}' of twin {twinId} was created by another writer at the same time; nothing was recorded — try again", e);
        }
    }

    public Alias GetAlias(long twinId, string aliasName) => Read(s =>
    {
        var twin = RequireTwin(s, twinId);
        return FindAlias(s, twinId, aliasName) ?? throw UnknownAlias(twin, aliasName);
    });

    public IReadOnlyList<Alias> ListAliases(long twinId) => Read(s =>
    {
        RequireTwin(s, twinId);
        return s.Query($"SELECT {AliasColumns} FROM aliases a WHERE a.twin_id = @twin ORDER BY a.name", r => ReadAlias(s, r), ("twin", twinId));
    });

    public Alias RollbackAlias(long twinId, string aliasName, string rolledBackBy)
    {
        Names.RequireName(rolledBackBy, "rolled back by");
        return Write(s =>
        {
            var twin = RequireTwin(s, twinId);
            var current = FindAlias(s, twinId, aliasName, dialect.ForUpdateOf("a")) ?? throw UnknownAlias(twin, aliasName);
            var target = PreviousTarget(s, twinId, aliasName, current.VersionId)
                         ?? throw new NoPreviousAliasTargetException(twin.Name, aliasName);
            var now = Now();
            MoveAlias(s, current, target, now, rolledBackBy);
            RecordAliasChange(s, twinId, aliasName, AliasChangeKind.RolledBack, target, current.VersionId, now, rolledBackBy);
            return FindAlias(s, twinId, aliasName)!;
        });
    }

    public IReadOnlyList<AliasChange> GetAliasHistory(long twinId, string aliasName) => Read(s =>
    {
        RequireTwin(s, twinId);
        return AliasHistory(s, twinId, aliasName);
    });

    public TwinVersion ResolveAlias(long twinId, string aliasName) => Read(s =>
    {
        var twin = RequireTwin(s, twinId);
        var alias = FindAlias(s, twinId, aliasName) ?? throw UnknownAlias(twin, aliasName);
        var version = RequireVersion(s, alias.VersionId);
        // Withdrawal removes aliases of deleted versions in the same transaction; this guards the invariant regardless.
        if (version.Status != VersionStatus.Succeeded)
            throw new VersionDeletedException(twin.Name, version.Number, version.Id, $"serve it as '{aliasName}'");
        return version;
    });

    /// <summary>
    /// The target before the current one, replaying the history as a stack: a set pushes its version, a rollback pops
    /// down to the version it went to, a removal (the version was deleted) empties it. Versions deleted since they were
    /// targets are skipped.
    /// </summary>
    static long? PreviousTarget(SqlSession s, long twinId, string aliasName, long currentVersionId)
    {
        var stack = new List<long>();
        foreach (var change in AliasHistory(s, twinId, aliasName))
        {
            switch (change.Kind)
            {
                case AliasChangeKind.Set:
                    stack.Add(change.VersionId!.Value);
                    break;
                case AliasChangeKind.RolledBack:
                    while (stack.Count > 0 && stack[^1] != change.VersionId) stack.RemoveAt(stack.Count - 1);
                    if (stack.Count == 0) stack.Add(change.VersionId!.Value);
                    break;
                case AliasChangeKind.Removed:
                    stack.Clear();
                    break;
            }
        }
        if (stack.Count > 0 && stack[^1] == currentVersionId) stack.RemoveAt(stack.Count - 1);
        for (var i = stack.Count - 1; i >= 0; i--)
        {
            if (stack[i] == currentVersionId) continue;
            var status = s.Scalar("SELECT status FROM twin_versions WHERE id = @id", ("id", stack[i])) as string;
            if (status == VersionStatus.Succeeded.Name()) return stack[i];
        }
        return null;
    }

    static void MoveAlias(SqlSession s, Alias current, long versionId, DateTimeOffset at, string by)
    {
        var moved = s.Execute(
            """
            UPDATE aliases SET version_id = @version, row_version = row_version + 1, updated_at = @at, updated_by = @by
            WHERE twin_id = @twin AND name = @name AND row_version = @rowVersion
            """,
            ("version", versionId), ("at", s.Time(at)), ("by", by), ("twin", current.TwinId), ("name", current.Name), ("rowVersion", current.RowVersion));
        if (moved != 1)
            throw new RegistryConflictException($"alias '{current.Name}' of twin {current.TwinId} was moved by another writer at the same time; try again");
    }

    static void RecordAliasChange(SqlSession s, long twinId, string aliasName, AliasChangeKind kind, long? versionId, long? previousVersionId,
        DateTimeOffset at, string by) =>
        s.Execute(
            """
            INSERT INTO alias_history (twin_id, alias_name, kind, version_id, previous_version_id, changed_at, changed_by)
            VALUES (@twin, @name, @kind, @version, @previous, @at, @by)
            """,
            ("twin", twinId), ("name", aliasName), ("kind", KindName(kind)), ("version", versionId), ("previous", previousVersionId),
            ("at", s.Time(at)), ("by", by));

    static List<AliasChange> AliasHistory(SqlSession s, long twinId, string aliasName) =>
        s.Query($"SELECT {AliasChangeColumns} FROM alias_history h WHERE h.twin_id = @twin AND h.alias_name = @name ORDER BY h.id",
            r => new AliasChange(r.Int64(0), r.Int64(1), r.GetString(2), ParseKind(r.GetString(3)), r.OptionalInt64(4), r.OptionalInt64(5),
                s.ReadTime(r, 6), r.GetString(7)),
            ("twin", twinId), ("name", aliasName));

    static Alias? FindAlias(SqlSession s, long twinId, string aliasName, string lockClause = "") =>
        s.QuerySingle($"SELECT {AliasColumns} FROM aliases a WHERE a.twin_id = @twin AND a.name = @name{lockClause}",
            r => ReadAlias(s, r), ("twin", twinId), ("name", aliasName));

    static UnknownEntityException UnknownAlias(Twin twin, string aliasName) => new("alias", $"'{aliasName}' for twin '{twin.Name}'");

    static Alias ReadAlias(SqlSession s, DbDataReader r) =>
        new(r.Int64(0), r.GetString(1), r.Int64(2), r.Int64(3), s.ReadTime(r, 4), r.GetString(5));

    static string KindName(AliasChangeKind kind) => kind switch
    {
        AliasChangeKind.Set => "set",
        AliasChangeKind.RolledBack => "rolled-back",
        AliasChangeKind.Removed => "removed",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    static AliasChangeKind ParseKind(string name) => name switch
    {
        "set" => AliasChangeKind.Set,
        "rolled-back" => AliasChangeKind.RolledBack,
        "removed" => AliasChangeKind.Removed,
        _ => throw new FormatException($"'{name}' is not an alias change kind"),
    };
}
