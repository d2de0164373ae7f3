using Twinforge.Registry;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;

namespace Twinforge.Twins.Serving;

/// <summary>
/// Turns a <see cref="ModelName"/> into the version or base it stands for, among the twins of the creators a caller
/// may use (an organisation's): another caller's twin is as unknown as one that does not exist. Resolved on every
/// request, so a promotion, a rollback or an erasure takes effect at once.
/// </summary>
/// <example><code>var model = new ModelResolver(registry).Resolve("ana-style@production", organisationCreators);</code></example>
public sealed class ModelResolver(ITwinRegistry registry)
{
    /// <exception cref="UnknownModelException">Nothing the caller may use has that name, or the version has not succeeded.</exception>
    public ResolvedModel Resolve(string model, IReadOnlyCollection<Creator> visibleCreators)
    {
        var name = ModelName.Parse(model);
        var creators = visibleCreators.Where(creator => name.Creator is null || creator.Name == name.Creator).ToList();
        var twins = creators.SelectMany(creator => registry.ListTwins(creator.Id).Where(twin => twin.Name == name.Name)
            .Select(twin => (Creator: creator, Twin: twin))).ToList();
        // A withdrawal keeps an erased twin's row (its versions as tombstones); serving nothing, it must not make
        // another creator's twin of that name ambiguous, as /v1/models lists that twin alone.
        if (twins.Count > 1 && twins.Where(t => !Erased(t.Twin)).ToList() is { Count: > 0 } live) twins = live;
        switch (twins)
        {
            case [var (creator, twin)]:
                return Resolved(name, creator, twin);
            case [_, _, ..]:
                throw new UnknownModelException(model,
                    $"twins of {string.Join(", ", twins.Select(t => t.Creator.Name))} share this name: name one as creator/{name.Name}");
        }
        if (name.Creator is null && name.Selector is null && registry.ListBaseModels().FirstOrDefault(b => b.Name == name.Name) is { } baseModel)
            return new ResolvedModel(baseModel.Name, baseModel, null, null, null);
        throw new UnknownModelException(model, "no such twin or base model");
    }

    /// <summary>Whether every version of the twin was deleted (a consent withdrawal leaves such a twin behind).</summary>
    bool Erased(Twin twin) => registry.ListVersions(twin.Id) is { Count: > 0 } versions && versions.All(v => v.Status == VersionStatus.Deleted);

    ResolvedModel Resolved(ModelName name, Creator creator, Twin twin)
    {
        var version = name.Selector switch
        {
            null => registry.ListVersions(twin.Id).LastOrDefault(v => v.Status == VersionStatus.Succeeded)
                ?? throw new UnknownModelException(name.ToString(), Erased(twin)
                    ? "every version of the twin was deleted (its creator's consent was withdrawn)"
                    : "the twin has no succeeded version yet"),
            _ when name.VersionNumber is int number => VersionNumbered(name, twin, number),
            var alias => Aliased(name, twin, alias),
        };
        if (version.Status != VersionStatus.Succeeded)
            throw new UnknownModelException(name.ToString(), $"version {version.Number} {version.Status.Stated()}, not ready to serve");
        return new ResolvedModel($"{creator.Name}/{twin.Name}@{version.Number}", registry.GetBaseModel(version.BaseModelId), creator, twin, version);
    }

    TwinVersion VersionNumbered(ModelName name, Twin twin, int number)
    {
        try
        {
            return registry.GetVersionByNumber(twin.Id, number);
        }
        catch (UnknownEntityException)
        {
            throw new UnknownModelException(name.ToString(), $"the twin has no version {number}");
        }
    }

    TwinVersion Aliased(ModelName name, Twin twin, string alias)
    {
        try
        {
            return registry.ResolveAlias(twin.Id, alias);
        }
        catch (UnknownEntityException)
        {
            throw new UnknownModelException(name.ToString(), $"the twin has no alias '{alias}'");
        }
    }
}
