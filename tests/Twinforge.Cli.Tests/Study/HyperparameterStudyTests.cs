using Twinforge.Cli.Study;

namespace Twinforge.Cli.Tests.Study;

public sealed class HyperparameterStudyTests
{
    [Fact]
    public void The_table_gives_each_cell_the_gain_and_the_evidence_the_search_chose_by()
    {
        var won = new HyperparameterPoint("bierce", 0.1, 34, 1_098, FixedLoss: 3.3227, FixedSteps: 8, AutoLoss: 3.2987, AutoSteps: 134, AutoBudget: 191,
            "learning rate 0.000333, 16 epochs, rank 64", "held out -0.054 (-0.071 to -0.036) over 3; 3-fold -0.035 (-0.049 to -0.021) over 37");
        var kept = won with { Persona = "bofh", AutoLoss = 3.3227, Chosen = "learning rate 0.001, 8 epochs, rank 16", Evidence = "the recipe's own was best held out" };

        var table = HyperparameterStudy.Table([won, kept]).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(4, table.Length);
        Assert.Contains("best other − recipe's own (95% interval)", table[0]);
        Assert.Equal(table[0].Count(c => c == '|'), table[1].Count(c => c == '|')); // the alignment row fits the header
        Assert.Contains("| +0.0240 |", table[2]);
        Assert.Contains("3-fold -0.035 (-0.049 to -0.021) over 37", table[2]);
        Assert.Contains("| 8 / 134 / 191 |", table[2]);
        Assert.Contains("| +0.0000 |", table[3]);
        Assert.Contains("the recipe's own was best held out", table[3]);
    }
}
