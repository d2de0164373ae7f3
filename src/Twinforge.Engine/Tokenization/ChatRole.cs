namespace Twinforge.Engine.Tokenization;

/// <summary>Who speaks in a chat turn.</summary>
public enum ChatRole
{
    System,
    User,
    Assistant,
}
