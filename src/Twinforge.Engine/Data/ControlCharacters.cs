namespace Twinforge.Engine.Data;

/// <summary>
/// Finds control characters in training text: content, prompts, completions and plain-text lines. Tab, line feed and
/// carriage return are text. NUL is an error, since it is never text: it comes from binary data, a UTF-16 file, or a
/// string cut from C code, and tools that pass text on as C strings (tokenizer bindings, terminals) stop at it, so
/// what the model is trained on would differ from what a user sees and the model would learn to write it. Any other
/// control character (ESC from terminal colours, a form feed between pages, DEL, a C1 control such as U+0085) is a
/// warning: it can belong to real text, so training may go on, but the model learns to write it as it is.
/// </summary>
internal static class ControlCharacters
{
    /// <summary>The problem with <paramref name="text"/>'s control characters (NUL before any other), or null when it has none.</summary>
    public static (DatasetProblemKind Kind, string Reason)? Find(string text)
    {
        int nulCount = 0, firstNul = -1, firstOther = -1;
        for (int i = 0; i < text.Length; i++)
        {
            char character = text[i];
            if (character == '\0')
            {
                nulCount++;
                if (firstNul < 0) firstNul = i;
            }
            else if (firstOther < 0 && char.IsControl(character) && character is not ('\t' or '\n' or '\r'))
            {
                firstOther = i;
            }
        }
        if (nulCount > 0)
        {
            var where = nulCount == 1
                ? $"holds a NUL character (U+0000) at character {firstNul + 1}"
                : $"holds {nulCount} NUL characters (U+0000), the first at character {firstNul + 1}";
            return (DatasetProblemKind.NulCharacter, $"{where}: NUL is not text (binary data, a UTF-16 file or a C string leaves it); remove it");
        }
        if (firstOther >= 0)
            return (DatasetProblemKind.ControlCharacter,
                $"holds the control character U+{(int)text[firstOther]:X4} at character {firstOther + 1}: the model learns to write it; remove it unless it should");
        return null;
    }
}
