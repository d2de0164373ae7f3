namespace Twinforge.Engine.Data;

/// <summary>
/// One fold of a k-fold cross-validation: the documents held out are fold <see cref="Index"/> of <see cref="Count"/>
/// (see <see cref="SeededDocumentSplit.ByFold"/>), the rest are trained on. Over all k folds every document is held
/// out exactly once, so a setting is judged on all the data without any of it judging a model that trained on it.
/// </summary>
public sealed record DataFold(int Index, int Count)
{
    public override string ToString() => $"fold {Index + 1} of {Count}";
}
