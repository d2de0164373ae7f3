namespace Twinforge.Twins.Fidelity;

/// <summary>
/// English function words — articles, pronouns, prepositions, conjunctions, auxiliaries, common adverbs — whose
/// rates of use are a writer's habit more than their topic: the classic features of authorship attribution since
/// Mosteller and Wallace's Federalist study, and the core of Burrows' Delta.
/// </summary>
public static class FunctionWords
{
    public static IReadOnlyList<string> English { get; } =
    [
        "a", "about", "above", "after", "again", "against", "all", "almost", "also", "although", "always", "am", "among", "an",
        "and", "another", "any", "anything", "are", "around", "as", "at", "be", "because", "been", "before", "being", "below",
        "between", "both", "but", "by", "can", "cannot", "could", "did", "do", "does", "doing", "done", "down", "during",
        "each", "either", "enough", "even", "ever", "every", "few", "for", "from", "further", "had", "has", "have", "having",
        "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "however", "i", "if", "in", "into", "is", "it",
        "its", "itself", "just", "least", "less", "let", "like", "may", "me", "might", "mine", "more", "most", "much", "must",
        "my", "myself", "neither", "never", "no", "nor", "not", "nothing", "now", "of", "off", "often", "on", "once", "one",
        "only", "or", "other", "ought", "our", "ours", "ourselves", "out", "over", "own", "perhaps", "quite", "rather",
        "same", "shall", "she", "should", "since", "so", "some", "something", "still", "such", "than", "that", "the", "their",
        "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those", "though", "through", "thus", "to",
        "too", "under", "until", "up", "upon", "us", "very", "was", "we", "well", "were", "what", "when", "where", "whether",
        "which", "while", "who", "whom", "whose", "why", "will", "with", "within", "without", "would", "yet", "you", "your",
        "yours", "yourself",
    ];
}
