namespace Twinforge.Engine.Data;

/// <summary>What is wrong with a file, a line or an example (see <see cref="DatasetProblem"/>).</summary>
public enum DatasetProblemKind
{
    /// <summary>The file is missing or cannot be read.</summary>
    Unreadable,
    /// <summary>A line is not valid UTF-8.</summary>
    InvalidUtf8,
    /// <summary>The file holds nothing but whitespace.</summary>
    EmptyFile,
    /// <summary>No example of the file survived validation.</summary>
    NoUsableExamples,
    /// <summary>A JSON Lines file whose first object is neither chat nor prompt/completion.</summary>
    UnknownFormat,
    /// <summary>A line is not valid JSON.</summary>
    InvalidJson,
    /// <summary>A line is valid JSON but not an object.</summary>
    NotAnObject,
    /// <summary>A required field (<c>messages</c>, <c>role</c>, <c>content</c>, <c>prompt</c>, <c>completion</c>) is absent.</summary>
    MissingField,
    /// <summary><c>messages</c> is not a list, a message is not an object, or a role is not a string.</summary>
    WrongType,
    /// <summary>A text field (<c>content</c>, <c>prompt</c>, <c>completion</c>) is not a string.</summary>
    NotAString,
    /// <summary>A text field is empty or only whitespace.</summary>
    EmptyText,
    /// <summary>A role other than system, user or assistant.</summary>
    UnknownRole,
    /// <summary>A conversation without an assistant message: nothing to learn from.</summary>
    NoAssistantTurn,
    /// <summary>A <c>weight</c> other than 0 or 1, or on a message that is not the assistant's.</summary>
    InvalidWeight,
    /// <summary>An example longer than the sequence length (a warning: the over-long policy says what happens).</summary>
    TooLong,
    /// <summary>More of a file's documents are over-long and dropped than <see cref="DatasetOptions.MaxDroppedFraction"/> allows.</summary>
    TooManyDropped,
    /// <summary>An example with nothing to train on, e.g. every assistant message has weight 0 (a warning: it is skipped).</summary>
    NoTrainableTokens,
    /// <summary>Too few documents to hold some out for validation.</summary>
    TooFewDocuments,
    /// <summary>A text holds a NUL character (U+0000).</summary>
    NulCharacter,
    /// <summary>A text holds a control character other than NUL, tab, line feed or carriage return (a warning).</summary>
    ControlCharacter,
    /// <summary>The model's chat template refused the conversation (e.g. Gemma's "System role not supported").</summary>
    ChatTemplateRefused,
    /// <summary>Every example of the validation file is also a training example: it is the training data, not held out.</summary>
    HeldOutIsTrainingData,
    /// <summary>Some validation examples are also training examples (a warning: their loss measures memory).</summary>
    HeldOutOverlapsTraining,
    /// <summary>A file read as plain text by its extension whose lines look like JSON Lines data (a warning).</summary>
    LooksLikeJsonLines,
}
