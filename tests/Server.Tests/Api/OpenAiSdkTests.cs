using System.ClientModel;
using System.ClientModel.Primitives;
using OpenAI;
using OpenAI.Chat;

namespace HiPO.Server.Tests.Api;

/// <summary>The official OpenAI .NET SDK as the client, exactly as users call the server.</summary>
public sealed class OpenAiSdkTests
{
    private static ChatClient Client(RunningServer server, string model) =>
        new(model, new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(server.BaseAddress, "/v1") });

    [Fact]
    public async Task Complete_chat_returns_the_answer_as_content()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOn));
        var result = await Client(server, server.Engine.ModelId).CompleteChatAsync([new UserChatMessage("What is 17 times 23?")]);

        Assert.Equal(ScriptedModels.ThinkOn.Answer, result.Value.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, result.Value.FinishReason);
        Assert.Equal(TestModels.AnswerClosedTokens(ScriptedModels.ThinkOn), result.Value.Usage.OutputTokenCount);
        Assert.True(result.Value.Usage.OutputTokenDetails.ReasoningTokenCount > 0);

        // HiPO's own fields travel beside OpenAI's: read them from the raw response, as SDK users do.
        var raw = JsonNode.Parse(result.GetRawResponse().Content.ToString())!;
        Assert.Equal("on", (string?)raw["choices"]![0]!["message"]!["think_mode"]);
        Assert.Equal(ScriptedModels.ThinkOn.Reasoning, (string?)raw["choices"]![0]!["message"]!["reasoning_content"]);
    }

    [Fact]
    public async Task Streaming_chat_delivers_the_answer_and_the_extra_fields()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOn));
        var content = new StringBuilder();
        var reasoning = new StringBuilder();
        string? mode = null;
        ChatFinishReason? finish = null;
        await foreach (var update in Client(server, server.Engine.ModelId).CompleteChatStreamingAsync([new UserChatMessage("What is 17 times 23?")]))
        {
            foreach (var part in update.ContentUpdate)
                content.Append(part.Text);
            finish ??= update.FinishReason;
            var delta = JsonNode.Parse(ModelReaderWriter.Write(update).ToString())!["choices"]?.AsArray().FirstOrDefault()?["delta"];
            reasoning.Append((string?)delta?["reasoning_content"]);
            mode ??= (string?)delta?["think_mode"];
        }

        Assert.Equal(ScriptedModels.ThinkOn.Answer, content.ToString());
        Assert.Equal(ScriptedModels.ThinkOn.Reasoning, reasoning.ToString());
        Assert.Equal("on", mode);
        Assert.Equal(ChatFinishReason.Stop, finish);
    }

    [Fact]
    public async Task An_unknown_model_is_reported_by_the_sdk_as_404()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff));
        var e = await Assert.ThrowsAsync<ClientResultException>(() => Client(server, "gpt-9").CompleteChatAsync([new UserChatMessage("Hi")]));

        Assert.Equal(404, e.Status);
        Assert.Contains("model_not_found", e.Message);
    }
}
