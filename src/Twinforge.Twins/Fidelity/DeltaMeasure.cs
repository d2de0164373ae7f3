namespace Twinforge.Twins.Fidelity;

/// <summary>How a <see cref="StylometricJudge"/> measures the distance between a text's style and an author's.</summary>
public enum DeltaMeasure
{
    /// <summary>Burrows' Delta (2002): the mean absolute difference of the features' z-scores.</summary>
    Burrows,

    /// <summary>Cosine Delta (Smith and Aldridge 2011): one minus the cosine between the z-score vectors; usually better.</summary>
    Cosine,
}
