using Twinforge.Engine.Tokenization;
using Twinforge.Twins.Provenance;

namespace Twinforge.Service.Completions;

/// <summary>
/// What a generation continues: a chat completion's conversation (put in the model's chat format by the engine) or a
/// text completion's plain text. Its <see cref="ProvenanceJson"/> is what a provenance record hashes, and stores when
/// the organisation keeps content.
/// </summary>
public abstract record CompletionPrompt
{
    /// <summary>The prompt as the provenance record has it (<see cref="ProvenanceRecord.PromptJson(IReadOnlyList{ChatMessage})"/>).</summary>
    public abstract string ProvenanceJson();

    /// <summary>A conversation: <c>/v1/chat/completions</c>' <c>messages</c>.</summary>
    public sealed record Chat(IReadOnlyList<ChatMessage> Messages) : CompletionPrompt
    {
        public override string ProvenanceJson() => ProvenanceRecord.PromptJson(Messages);
    }

    /// <summary>Plain text to continue: one of <c>/v1/completions</c>' prompts.</summary>
    public sealed record Text(string Value) : CompletionPrompt
    {
        public override string ProvenanceJson() => ProvenanceRecord.PromptJson(Value);
    }
}
