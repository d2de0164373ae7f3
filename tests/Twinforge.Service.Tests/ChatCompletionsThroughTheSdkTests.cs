using System.ClientModel;
using OpenAI.Chat;
using Twinforge.Engine.Generation;
using Twinforge.Engine.Tokenization;
using EngineMessage = Twinforge.Engine.Tokenization.ChatMessage;

namespace Twinforge.Service.Tests;

/// <summary>
/// Chat completions driven by the official OpenAI .NET SDK's <see cref="ChatClient"/>, changing only the base URL and the
/// key: each answer is compared with the engine's own for the same base, adapter and options — among them the
/// organisation's watermark, which every completion carries by default. (This SDK, 2.15.0, keeps <c>n</c> internal —
/// it always asks for one choice — so <c>n</c> is tested over raw HTTP.)
/// </summary>
[Collection("Twins")]
public sealed class ChatCompletionsThroughTheSdkTests(TwinService twins)
{
    const string Question = "spring question 3?";
    static readonly EngineMessage[] EngineQuestion = [new(ChatRole.User, Question)];

    ChatClient Chat(string model = "ana-style") => twins.Service.Sdk(twins.Key).GetChatClient(model);

    static ChatCompletionOptions Greedy(int maxTokens = 24) => new() { Temperature = 0, MaxOutputTokenCount = maxTokens };

    [Fact]
    public async Task CompleteChat_answers_as_the_engine_does_with_the_same_adapter_and_greedy_decoding()
    {
        ChatCompletion completion = await Chat().CompleteChatAsync([new UserChatMessage(Question)], Greedy());

        var expected = twins.Twins.Reference(twins.Version, EngineQuestion, new GenerationOptions { MaxNewTokens = 24, Watermark = twins.Watermark });
        Assert.NotEmpty(expected.Text);
        Assert.Equal(expected.Text, completion.Content[0].Text);
        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.StartsWith("chatcmpl-", completion.Id);
        Assert.Equal(twins.ModelId, completion.Model); // exactly the version that answered
        Assert.True(completion.CreatedAt > DateTimeOffset.UtcNow.AddMinutes(-5));
        Assert.Equal(expected.StopReason == StopReason.MaxNewTokens ? ChatFinishReason.Length : ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(expected.PromptTokenCount, completion.Usage.InputTokenCount);
        Assert.Equal(expected.TokenIds.Count, completion.Usage.OutputTokenCount);
        Assert.Equal(expected.PromptTokenCount + expected.TokenIds.Count, completion.Usage.TotalTokenCount);
        Assert.StartsWith("tf_", completion.SystemFingerprint);
    }

    [Fact]
    public async Task CompleteChatStreaming_gives_the_same_text_in_pieces_then_the_finish_reason_and_usage()
    {
        ChatCompletion whole = await Chat().CompleteChatAsync([new UserChatMessage(Question)], Greedy());

        var updates = new List<StreamingChatCompletionUpdate>();
        await foreach (var update in Chat().CompleteChatStreamingAsync([new UserChatMessage(Question)], Greedy())) updates.Add(update);

        Assert.Equal(ChatMessageRole.Assistant, updates[0].Role);
        var text = string.Concat(updates.SelectMany(update => update.ContentUpdate).Select(part => part.Text));
        Assert.Equal(whole.Content[0].Text, text);
        Assert.True(updates.Count(update => update.ContentUpdate.Count > 0) > 1, "the text came in more than one piece");
        Assert.Equal(whole.FinishReason, Assert.Single(updates, update => update.FinishReason is not null).FinishReason);
        var usage = Assert.Single(updates, update => update.Usage is not null).Usage; // the SDK always asks for it
        Assert.Equal(whole.Usage.InputTokenCount, usage.InputTokenCount);
        Assert.Equal(whole.Usage.OutputTokenCount, usage.OutputTokenCount);
        Assert.Equal(whole.Usage.TotalTokenCount, usage.TotalTokenCount);
        Assert.All(updates, update => Assert.Equal(updates[0].CompletionId, update.CompletionId));
        Assert.All(updates, update => Assert.Equal(twins.ModelId, update.Model));
    }

    [Fact]
    public async Task A_stop_sequence_ends_the_answer_before_it()
    {
        var full = twins.Twins.Reference(twins.Version, EngineQuestion, new GenerationOptions { MaxNewTokens = 24, Watermark = twins.Watermark }).Text;
        // A stop sequence from inside the greedy answer: the answer is what comes before its first occurrence.
        var at = Math.Min(4, full.Length - 2);
        var stop = full.Substring(at, 2);
        var expected = full[..full.IndexOf(stop, StringComparison.Ordinal)];
        var options = Greedy();
        options.StopSequences.Add(stop);

        ChatCompletion completion = await Chat().CompleteChatAsync([new UserChatMessage(Question)], options);
        var streamed = new List<StreamingChatCompletionUpdate>();
        await foreach (var update in Chat().CompleteChatStreamingAsync([new UserChatMessage(Question)], options)) streamed.Add(update);

        Assert.Equal(expected, completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(expected, string.Concat(streamed.SelectMany(update => update.ContentUpdate).Select(part => part.Text)));
    }

    [Fact]
    public async Task Log_probabilities_parse_through_the_sdk_whole_and_streamed_with_the_asked_alternatives()
    {
        var options = Greedy(8);
        options.IncludeLogProbabilities = true;
        options.TopLogProbabilityCount = 3;
        options.EndUserId = "end-user-7"; // `user`: accepted, kept only in the request's debug log

        ChatCompletion completion = await Chat().CompleteChatAsync([new UserChatMessage(Question)], options);
        var streamed = new List<ChatTokenLogProbabilityDetails>();
        await foreach (var update in Chat().CompleteChatStreamingAsync([new UserChatMessage(Question)], options))
            streamed.AddRange(update.ContentTokenLogProbabilities);

        var tokens = completion.ContentTokenLogProbabilities;
        Assert.NotEmpty(tokens);
        Assert.Equal(completion.Usage.OutputTokenCount, tokens.Count);
        Assert.Equal(completion.Content[0].Text, string.Concat(tokens.Select(token => token.Token)));
        Assert.All(tokens, token =>
        {
            Assert.True(token.LogProbability <= 0);
            Assert.Equal(3, token.TopLogProbabilities.Count);
            // Greedy under the organisation's watermark: the most likely token, or a green one within δ of it.
            Assert.InRange(token.TopLogProbabilities[0].LogProbability - token.LogProbability, 0, twins.Watermark.Delta + 1e-4);
            Assert.True(token.TopLogProbabilities[0].LogProbability >= token.TopLogProbabilities[2].LogProbability);
        });
        Assert.Equal(tokens.Select(token => (token.Token, token.LogProbability)), streamed.Select(token => (token.Token, token.LogProbability)));
    }

    [Fact]
    public async Task Max_output_tokens_cuts_the_answer_with_finish_reason_length()
    {
        ChatCompletion completion = await Chat().CompleteChatAsync([new UserChatMessage(Question)], Greedy(maxTokens: 3));

        var expected = twins.Twins.Reference(twins.Version, EngineQuestion, new GenerationOptions { MaxNewTokens = 3, Watermark = twins.Watermark });
        Assert.Equal(ChatFinishReason.Length, completion.FinishReason);
        Assert.Equal(3, completion.Usage.OutputTokenCount);
        Assert.Equal(expected.Text, completion.Content[0].Text);
    }

    [Fact]
    public async Task A_seed_with_temperature_above_zero_reproduces_the_answer_and_the_engines()
    {
#pragma warning disable OPENAI001 // Seed is marked experimental in the SDK
        var options = new ChatCompletionOptions { Temperature = 1.25f, Seed = 7, MaxOutputTokenCount = 20 };
#pragma warning restore OPENAI001

        ChatCompletion first = await Chat().CompleteChatAsync([new UserChatMessage(Question)], options);
        ChatCompletion second = await Chat().CompleteChatAsync([new UserChatMessage(Question)], options);

        Assert.Equal(first.Content[0].Text, second.Content[0].Text);
        // The engine with the seed the service drew from 7 and the conversation (which its provenance record names).
        var seed = ChoiceSeedTests.FirstChoiceSeed(7, new Twinforge.Service.Completions.CompletionPrompt.Chat(EngineQuestion));
        var expected = twins.Twins.Reference(twins.Version, EngineQuestion, new GenerationOptions { Temperature = 1.25, Seed = seed, MaxNewTokens = 20, Watermark = twins.Watermark });
        Assert.Equal(expected.Text, first.Content[0].Text);
    }

    [Fact]
    public async Task A_system_message_and_earlier_turns_are_part_of_the_prompt()
    {
        EngineMessage[] conversation =
        [
            new(ChatRole.System, "Be brief."), new(ChatRole.User, "spring question 1?"), new(ChatRole.Assistant, "ana-style says spring answer 1."),
            new(ChatRole.User, Question),
        ];

        ChatCompletion completion = await Chat("ana-style@production").CompleteChatAsync(
            [new SystemChatMessage("Be brief."), new UserChatMessage("spring question 1?"), new AssistantChatMessage("ana-style says spring answer 1."),
             new UserChatMessage(ChatMessageContentPart.CreateTextPart("spring "), ChatMessageContentPart.CreateTextPart("question 3?"))],
            Greedy());

        var expected = twins.Twins.Reference(twins.Version, conversation, new GenerationOptions { MaxNewTokens = 24, Watermark = twins.Watermark });
        Assert.Equal(expected.Text, completion.Content[0].Text);
        Assert.Equal(expected.PromptTokenCount, completion.Usage.InputTokenCount);
        Assert.Equal(twins.ModelId, completion.Model); // the alias resolved to the version it points at
    }

    [Fact]
    public async Task Concurrent_requests_to_the_twin_and_its_base_are_decoded_together_each_as_it_is_alone()
    {
        string[] questions = ["spring question 1?", "spring question 2?", "spring question 3?", "summer question 4?"];
        var models = questions.SelectMany(question => new[] { ("ana-style", question), ("tiny", question) }).ToList();
        var alone = new List<string>();
        foreach (var (model, question) in models)
            alone.Add((await Chat(model).CompleteChatAsync([new UserChatMessage(question)], Greedy(16))).Value.Content[0].Text);

        var together = await Task.WhenAll(models.Select(async request =>
            (await Chat(request.Item1).CompleteChatAsync([new UserChatMessage(request.Item2)], Greedy(16))).Value.Content[0].Text));

        Assert.Equal(alone, together);
        var expected = twins.Twins.Reference(twins.Version, [new(ChatRole.User, questions[0])], new GenerationOptions { MaxNewTokens = 16, Watermark = twins.Watermark });
        Assert.Equal(expected.Text, together[0]); // and the twin's is the engine's own answer with its adapter attached
    }

    [Fact]
    public async Task The_base_model_answers_by_its_name()
    {
        ChatCompletion completion = await Chat("tiny").CompleteChatAsync([new UserChatMessage(Question)], Greedy(8));

        Assert.Equal("tiny", completion.Model);
        Assert.InRange(completion.Usage.OutputTokenCount, 0, 8);
    }

    [Fact]
    public async Task The_readme_snippet_chats_with_a_twin_whole_then_streamed()
    {
        var reply = await ReadmeChatExample.ChatAsync(twins.Service.Sdk(twins.Key));

        Assert.Equal(twins.ModelId, reply.Model);
        Assert.InRange(reply.Usage.OutputTokenCount, 1, 60);
    }

    [Fact]
    public async Task An_unknown_model_is_404_model_not_found_through_the_sdk()
    {
        var error = await Assert.ThrowsAsync<ClientResultException>(() => Chat("no-such-twin").CompleteChatAsync([new UserChatMessage("hi")]));

        Assert.Equal(404, error.Status);
        Assert.Contains("model_not_found", error.Message);
    }
}
