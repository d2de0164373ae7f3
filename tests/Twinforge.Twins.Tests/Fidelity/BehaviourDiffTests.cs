using Twinforge.Engine;
using Twinforge.Engine.Lora;
using Twinforge.Twins.Fidelity;

namespace Twinforge.Twins.Tests.Fidelity;

[Collection("Torch")]
public sealed class BehaviourDiffTests
{
    static readonly Probe[] Probes = [new("spring question 1?", "held-out"), new("What is the capital of France?", "general"), new("Hello?", "general")];

    [Fact]
    public void A_version_against_itself_changes_nothing_and_against_another_every_answer_is_scored_under_both()
    {
        using var bench = new TwinWorkbench();
        var ana = bench.Creator("ana");
        var v1 = bench.Lifecycle.CreateTwin(ana.Id, "ana-style", bench.BaseModel, bench.Data(ana, "spring", 30), null, TwinWorkbench.Recipe);
        var adapter = Path.Combine(bench.Root, "v1");
        bench.Lifecycle.ExtractWeights(v1.Version, adapter);
        PretrainedModel Twin()
        {
            var model = PretrainedModel.Load(bench.BaseModel.Path!);
            PeftAdapter.Load(model.Network, adapter);
            return model;
        }
        PretrainedModel Base() => PretrainedModel.Load(bench.BaseModel.Path!);

        var same = BehaviourDiff.Compare(Twin, Twin, Probes, sequenceLength: 96);
        Assert.All(same, answers =>
        {
            Assert.Equal(answers.AnswerA, answers.AnswerB);
            Assert.Equal(answers.AUnderA, answers.AUnderB, 6);
            Assert.Equal(0, answers.Change, 6);
        });

        var changed = BehaviourDiff.Compare(Base, Twin, Probes, sequenceLength: 96);
        Assert.Equal(Probes.Length, changed.Count);
        Assert.All(changed, answers => Assert.False(double.IsNaN(answers.Change), $"'{answers.Probe.Prompt}' was not scored"));
        Assert.Equal(changed.Select(answers => answers.Change).OrderByDescending(change => change), changed.Select(answers => answers.Change));
        Assert.Contains(changed, answers => Math.Abs(answers.Change) > 1e-3);
        // Each model finds its own sampled answer likelier, on the whole, than the other's.
        Assert.True(changed.Sum(answers => answers.Change) > 0, "the two models' answers were not told apart");
    }
}
