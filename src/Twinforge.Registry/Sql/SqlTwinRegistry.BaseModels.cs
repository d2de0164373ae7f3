using System.Data.Common;
using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;

namespace Twinforge.Registry.Sql;

// Base models that versions are fine-tuned from.
internal sealed partial class SqlTwinRegistry
{
    const string BaseModelColumns = "b.id, b.name, b.path, b.content_hash, b.architecture, b.parameter_count, b.created_at";

    public BaseModel CreateBaseModel(NewBaseModel baseModel)
    {
        ArgumentNullException.ThrowIfNull(baseModel);
        Names.RequireName(baseModel.Name, "base model name");
        if (baseModel.Path is null && baseModel.ContentHash is null)
            throw new ArgumentException($"base model '{baseModel.Name}' needs a path or a content hash");
        if (baseModel.ContentHash is { } hash) ContentHash.Require(hash, "base model content hash");
        Names.RequireText(baseModel.Architecture, "base model architecture");
        if (baseModel.ParameterCount < 0) throw new ArgumentException($"base model '{baseModel.Name}' cannot have {baseModel.ParameterCount} parameters");
        try
        {
            return Write(s =>
            {
                var now = Now();
                var id = s.InsertReturningId(
                    """
                    INSERT INTO base_models (name, path, content_hash, architecture, parameter_count, created_at)
                    VALUES (@name, @path, @hash, @architecture, @parameters, @at) RETURNING id
                    """,
                    ("name", baseModel.Name), ("path", baseModel.Path), ("hash", baseModel.ContentHash),
                    ("architecture", baseModel.Architecture), ("parameters", baseModel.ParameterCount), ("at", s.Time(now)));
                return new BaseModel(id, baseModel.Name, baseModel.Path, baseModel.ContentHash, baseModel.Architecture, baseModel.ParameterCount, now);
            });
        }
        catch (DbException e) when (dialect.IsUniqueViolation(e))
        {
            throw new DuplicateEntityException("base model", $"named '{baseModel.Name}'", e);
        }
    }

    public BaseModel GetBaseModel(long baseModelId) => Read(s => RequireBaseModel(s, baseModelId));

    public BaseModel GetBaseModelByName(string name) =>
        Read(s => s.QuerySingle($"SELECT {BaseModelColumns} FROM base_models b WHERE b.name = @name", r => ReadBaseModel(s, r), ("name", name)))
        ?? throw new UnknownEntityException("base model", $"named '{name}'");

    public IReadOnlyList<BaseModel> ListBaseModels() =>
        Read(s => s.Query($"SELECT {BaseModelColumns} FROM base_models b ORDER BY b.id", r => ReadBaseModel(s, r)));

    static BaseModel RequireBaseModel(SqlSession s, long baseModelId) =>
        s.QuerySingle($"SELECT {BaseModelColumns} FROM base_models b WHERE b.id = @id", r => ReadBaseModel(s, r), ("id", baseModelId))
        ?? throw new UnknownEntityException("base model", $"with id {baseModelId}");

    static BaseModel ReadBaseModel(SqlSession s, DbDataReader r) =>
        new(r.Int64(0), r.GetString(1), r.OptionalString(2), r.OptionalString(3), r.GetString(4), r.Int64(5), s.ReadTime(r, 6));
}
