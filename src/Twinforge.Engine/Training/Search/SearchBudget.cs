namespace Twinforge.Engine.Training.Search;

/// <summary>
/// The most updates a search can take, known before it starts: every round's survivors trained from the previous
/// round's end to this round's, costed as if the longest candidates survived — and the recipe's own settings, which
/// go through every round as the reference whatever their loss, costed on top of them.
/// </summary>
public static class SearchBudget
{
    /// <summary>The epochs a candidate of <paramref name="epochs"/> epochs has trained when round <paramref name="round"/> ends.</summary>
    public static int RoundEpochs(int epochs, int round, IReadOnlyList<double> roundFractions) =>
        round == roundFractions.Count - 1 ? epochs : Math.Min(epochs, Math.Max(1, (int)Math.Ceiling(roundFractions[round] * epochs - 1e-9)));

    /// <summary>How many candidates go on from a round that <paramref name="entered"/> entered: the best 1/reduction, rounded up.</summary>
    public static int Kept(int entered, int reduction) => (entered + reduction - 1) / reduction;

    /// <summary>
    /// The most candidates besides the recipe's own that can finish: the best 1/reduction of each round go on, and
    /// the recipe's own goes on whatever its rank (making one more to choose from in the next round).
    /// </summary>
    public static int Finalists(int candidates, int rounds, int reduction)
    {
        int others = candidates - 1, entered = candidates, finishing = others;
        for (int round = 1; round < rounds; round++)
        {
            finishing = Math.Min(others, Kept(entered, reduction));
            entered = finishing + 1;
        }
        return finishing;
    }

    /// <summary>
    /// The most updates the cross-validated comparison can take: <paramref name="folds"/> runs of the recipe's own
    /// epochs and as many of the longest candidate's for each of <paramref name="finalists"/> finishers, each costed at
    /// the search's updates per epoch — a fold trains on (k − 1)/k of the pooled data, no more than the search's
    /// training part while at most a third is held out.
    /// </summary>
    public static int ConfirmationSteps(IReadOnlyList<int> epochs, int own, int stepsPerEpoch, int folds, int finalists) =>
        folds * (epochs[own] + finalists * epochs.Max()) * stepsPerEpoch;

    /// <param name="epochs">Every candidate's epochs, in the search's order.</param>
    /// <param name="own">The index of the recipe's own settings among them.</param>
    /// <param name="stepsPerEpoch">Updates per epoch (the same for every candidate: they share the data and batch).</param>
    public static int Steps(IReadOnlyList<int> epochs, int own, int stepsPerEpoch, IReadOnlyList<double> roundFractions, int reduction)
    {
        int RoundCost(int index, int round) =>
            RoundEpochs(epochs[index], round, roundFractions) - (round == 0 ? 0 : RoundEpochs(epochs[index], round - 1, roundFractions));
        var others = Enumerable.Range(0, epochs.Count).Where(index => index != own).ToList();
        int total = 0, entered = epochs.Count;
        for (int round = 0; round < roundFractions.Count; round++)
        {
            // The first round trains everyone; later ones the kept best of the round before (the costliest, at worst)
            // and the reference, which makes one more to choose from next.
            int othersTrained = others.Count;
            if (round > 0)
            {
                othersTrained = Math.Min(others.Count, Kept(entered, reduction));
                entered = othersTrained + 1;
            }
            total += others.Select(index => RoundCost(index, round)).OrderDescending().Take(othersTrained).Sum() + RoundCost(own, round);
        }
        return total * stepsPerEpoch;
    }
}
