namespace Twinforge.Recipes;

/// <summary>A recipe value as one line of text, to compare settings and name them in messages: <c>[q_proj, v_proj]</c>.</summary>
internal static class RecipeNodeText
{
    public static string Of(RecipeNode node) => node switch
    {
        RecipeScalar scalar => scalar.IsNull ? "null" : scalar.Text,
        RecipeSequence sequence => $"[{string.Join(", ", sequence.Items.Select(Of))}]",
        RecipeMapping mapping => $"{{{string.Join(", ", mapping.Entries.Select(entry => $"{entry.Key}: {Of(entry.Value)}"))}}}",
        _ => node.ToString() ?? "",
    };
}
