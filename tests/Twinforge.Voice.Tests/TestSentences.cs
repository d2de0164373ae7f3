namespace Twinforge.Voice.Tests;

/// <summary>Short plain sentences the speech tests have voices read.</summary>
static class TestSentences
{
    public static readonly string[] All =
    [
        "The old clock on the wall struck nine.", "She walked slowly along the quiet river.", "A cold wind blew across the open field.",
        "They found the letter under the kitchen table.", "His brother never liked the long winter evenings.", "We waited by the gate until the rain stopped.",
        "The children ran down the hill to the village.", "Nobody answered when the doctor knocked twice.", "The horses stood still in the morning fog.",
        "Her voice carried across the empty hall.",
    ];

    public static string[] First(int count) => All[..count];
}
