using Twinforge.Engine.Training;
using Twinforge.Engine.Training.Search;

namespace Twinforge.Engine.Tests.Training.Search;

public sealed class SearchBudgetTests
{
    static readonly double[] Rounds = HyperparameterSearch.RungFractions;

    static IReadOnlyList<int> Epochs(int recipeEpochs, int rank = 8) =>
        SearchSpace.Around(new FineTuningOptions { Training = new TrainingOptions { Epochs = recipeEpochs }, Lora = new() { Rank = rank, Alpha = 2 * rank } })
            .Select(candidate => candidate.Epochs).ToList();

    /// <summary>
    /// The search's own rule, played with a given order of losses: every round the best third of those still in go
    /// on, and the recipe's own settings with them whatever their loss. Returns the epochs trained in all.
    /// </summary>
    static int Play(IReadOnlyList<int> epochs, int own, Func<int, int, double> loss)
    {
        var alive = Enumerable.Range(0, epochs.Count).ToList();
        var trained = new int[epochs.Count];
        int total = 0;
        for (int round = 0; round < Rounds.Length; round++)
        {
            foreach (var index in alive)
            {
                int reached = SearchBudget.RoundEpochs(epochs[index], round, Rounds);
                total += reached - trained[index];
                trained[index] = reached;
            }
            if (round < Rounds.Length - 1)
                alive = alive.OrderBy(index => loss(index, round)).ThenBy(index => index).Take(SearchBudget.Kept(alive.Count, HyperparameterSearch.Reduction))
                    .Union([own]).Order().ToList();
        }
        return total;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(10)]
    public void The_budget_is_what_the_search_takes_when_the_longest_candidates_win_and_the_reference_loses_every_round(int recipeEpochs)
    {
        var epochs = Epochs(recipeEpochs);
        int own = SearchSpace.Around(new FineTuningOptions { Training = new TrainingOptions { Epochs = recipeEpochs }, Lora = new() { Rank = 8, Alpha = 16 } })
            .ToList().FindIndex(c => c.Epochs == recipeEpochs && c.Rank == 8 && c.LearningRate == new TrainingOptions().LearningRate);
        Assert.True(own >= 0);
        const int stepsPerEpoch = 7;

        int budget = SearchBudget.Steps(epochs, own, stepsPerEpoch, Rounds, HyperparameterSearch.Reduction);

        // The worst case: the longest candidates always go on, the reference always last yet carried.
        int worst = Play(epochs, own, (index, _) => index == own ? double.MaxValue : -epochs[index] - index * 1e-3);
        Assert.Equal(worst * stepsPerEpoch, budget);
        // And no other order of losses takes more.
        var random = new Random(recipeEpochs);
        for (int trial = 0; trial < 300; trial++)
        {
            var losses = epochs.Select(_ => Enumerable.Range(0, Rounds.Length).Select(_ => random.NextDouble()).ToArray()).ToArray();
            int taken = Play(epochs, own, (index, round) => losses[index][round]) * stepsPerEpoch;
            Assert.True(taken <= budget, $"{taken} updates taken over a budget of {budget}");
        }
    }

    [Fact]
    public void The_reference_carried_past_its_round_costs_more_than_the_best_third_alone()
    {
        // 27 candidates around 4 epochs (2, 4, 8): without the reference the rounds keep 9 then 3; with it 9 + 1 then 4 + 1.
        var epochs = Epochs(4);
        int own = 13;
        Assert.Equal(4, epochs[own]);
        int budget = SearchBudget.Steps(epochs, own, 1, Rounds, HyperparameterSearch.Reduction);
        // Round 1: everyone to a ninth (1 epoch each: 27). Round 2: the 9 costliest others to a third (8-epoch ones: 3 - 1 = 2 more each, 9 of them
        // exist) = 18, and the reference 2 - 1 = 1. Round 3: ceil(10 / 3) = 4 others (8 epochs: 8 - 3 = 5 each) = 20, and the reference 4 - 2 = 2.
        Assert.Equal(27 + 18 + 1 + 20 + 2, budget);
    }

    [Theory]
    [InlineData(27)]
    [InlineData(33)]
    [InlineData(9)]
    public void At_most_Finalists_other_candidates_reach_the_last_round_and_some_order_of_losses_gets_there(int count)
    {
        int most = 0, own = count / 2;
        var random = new Random(count);
        for (int trial = 0; trial < 500; trial++)
        {
            var losses = Enumerable.Range(0, count).Select(_ => new[] { random.NextDouble(), random.NextDouble() }).ToArray();
            // Half the time the reference is last every round (carried), the case that lets most others through.
            if (trial % 2 == 0) losses[own] = [2, 2];
            var alive = Enumerable.Range(0, count).ToList();
            for (int round = 0; round < Rounds.Length - 1; round++)
                alive = alive.OrderBy(index => losses[index][round]).ThenBy(index => index).Take(SearchBudget.Kept(alive.Count, HyperparameterSearch.Reduction))
                    .Union([own]).Order().ToList();
            most = Math.Max(most, alive.Count(index => index != own));
        }
        Assert.Equal(most, SearchBudget.Finalists(count, Rounds.Length, HyperparameterSearch.Reduction));
    }
}
