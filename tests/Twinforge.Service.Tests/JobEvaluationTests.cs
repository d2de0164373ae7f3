#pragma warning disable OPENAI001 // the SDK marks its fine-tuning client experimental
using Microsoft.Extensions.DependencyInjection;
using OpenAI.FineTuning;
using Twinforge.Service.Hosting;
using Twinforge.Twins;
using Twinforge.Twins.Fidelity;

namespace Twinforge.Service.Tests;

/// <summary>
/// A host that registers evaluation sources (as <c>twinforge serve</c> registers the built-in ones) has every version
/// its jobs train evaluated, like the command line's; without them, versions carry no evaluation.
/// </summary>
[Collection("Training")]
public sealed class JobEvaluationTests : IDisposable
{
    readonly ServiceFactory service = new(TinyBase.Settings(runWorker: true))
    {
        TestServices = services => services.AddSingleton<Func<EvaluationSources>>(_ => () => EvaluationSources.None),
    };

    [Fact]
    [Trait("Category", "Slow")]
    public async Task A_version_a_job_trains_is_evaluated_when_the_host_gives_evaluation_sources()
    {
        var (organisation, setupKey) = await service.Organisation();
        var key = await service.KeyWithDefaultCreator(organisation, await service.Creator(setupKey));
        var path = Path.Combine(Path.GetTempPath(), $"ana-{Guid.NewGuid():N}.jsonl");
        await File.WriteAllTextAsync(path, ChatData.Valid("ana", 30));
        FineTuningJob job;
        try
        {
            job = await ReadmeJobExample.FineTuneAsync(service.Sdk(key), path, TinyBase.Name, new { recipe = TinyBase.Recipe() });
        }
        finally
        {
            File.Delete(path);
        }

        Assert.Equal(FineTuningStatus.Succeeded, job.Status);
        var registry = service.Services.GetRequiredService<ServiceStorage>().Registry;
        var version = registry.ListTwins().SelectMany(twin => registry.ListVersions(twin.Id)).Single();
        var evaluation = VersionMetrics.FromJson(version.MetricsJson)!.Evaluation;
        Assert.NotNull(evaluation);
        Assert.True(evaluation.Fidelity.Answers > 0);
        Assert.Null(evaluation.Forgetting); // the sources given hold no general text
    }

    public void Dispose() => service.Dispose();
}
