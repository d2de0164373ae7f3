using OpenAI;
using OpenAI.Chat;

namespace Twinforge.Service.Tests;

/// <summary>The README's chat snippet, compiled and run by <see cref="ChatCompletionsThroughTheSdkTests"/>: what a user of the official SDK writes.</summary>
internal static class ReadmeChatExample
{
    public static async Task<ChatCompletion> ChatAsync(OpenAIClient client)
    {
        // A twin, twin@version, twin@alias, creator-…/twin, or a base by its name.
        ChatClient chat = client.GetChatClient("ana-style@production");

        ChatCompletion reply = await chat.CompleteChatAsync(
            [new SystemChatMessage("Answer as Ana would."), new UserChatMessage("The printer is on fire again.")],
            new ChatCompletionOptions { Temperature = 0.7f, MaxOutputTokenCount = 60 });
        Console.WriteLine($"{reply.Model}: {reply.Content[0].Text}");     // the version that answered: creator-…/ana-style@1
        Console.WriteLine($"{reply.Usage.InputTokenCount} + {reply.Usage.OutputTokenCount} tokens, finish: {reply.FinishReason}");

        await foreach (StreamingChatCompletionUpdate update in chat.CompleteChatStreamingAsync(new UserChatMessage("And the coffee machine?")))
            foreach (ChatMessageContentPart part in update.ContentUpdate)
                Console.Write(part.Text);                                    // piece by piece, as the twin writes it
        return reply;
    }
}
