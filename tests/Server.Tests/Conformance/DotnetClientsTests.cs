using System.ClientModel;
using System.ComponentModel;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;
using AI = Microsoft.Extensions.AI;
using SdkChatMessage = OpenAI.Chat.ChatMessage;
using SdkFinishReason = OpenAI.Chat.ChatFinishReason;
using SdkResponseFormat = OpenAI.Chat.ChatResponseFormat;

// The SDK keeps fields it has no property for (HiPO's think_mode, n) in its experimental JsonPatch, which is
// also how Microsoft.Extensions.AI reads reasoning_content, and marks reasoning_effort experimental: using both
// is what a .NET client of this server does.
#pragma warning disable SCME0001, OPENAI001

namespace HiPO.Server.Tests.Conformance;

/// <summary>
/// The official OpenAI .NET SDK and <c>Microsoft.Extensions.AI</c>'s <see cref="IChatClient"/> over it, against the
/// real server: every feature a .NET client reaches through them (tools, JSON schema, logprobs, n, usage, reasoning).
/// </summary>
public sealed class DotnetClientsTests
{
    private const string Question = "What is 17 times 23?";

    private static readonly ScriptedFixture Demo = ScriptedModels.Demo;

    private static readonly ChatTool WeatherTool = ChatTool.CreateFunctionTool("get_weather", "Current weather in a city",
        BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""));

    private static ChatClient Sdk(RunningServer server) =>
        new(server.Engine.ModelId, new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(server.BaseAddress, "/v1") });

    private static IChatClient ExtensionsAi(RunningServer server) => Sdk(server).AsIChatClient();

    private static string? Field(ChatCompletion completion, string path) =>
        completion.Patch.TryGetValue(Encoding.UTF8.GetBytes(path), out string? value) ? value : null;

    [Fact]
    public async Task Sdk_tool_calls_arrive_as_ChatToolCalls_and_their_results_go_back()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ConformanceModels.ToolCaller));
        List<SdkChatMessage> messages = [new UserChatMessage("Weather in Paris?")];
        var options = new ChatCompletionOptions { Tools = { WeatherTool } };
        ChatCompletion completion = await Sdk(server).CompleteChatAsync(messages, options);

        Assert.Equal(SdkFinishReason.ToolCalls, completion.FinishReason);
        var call = Assert.Single(completion.ToolCalls);
        Assert.Equal(ChatToolCallKind.Function, call.Kind);
        Assert.StartsWith("call_", call.Id);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.Equal("Paris", JsonDocument.Parse(call.FunctionArguments).RootElement.GetProperty("city").GetString());

        messages.Add(new AssistantChatMessage(completion));
        messages.Add(new ToolChatMessage(call.Id, """{"temp_c":21}"""));
        ChatCompletion next = await Sdk(server).CompleteChatAsync(messages, options);
        Assert.True(next.Usage.InputTokenCount > completion.Usage.InputTokenCount + 20, "The call and its result were not rendered into the prompt.");
    }

    [Fact]
    public async Task Sdk_streamed_tool_call_is_one_complete_update()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ConformanceModels.ToolCaller));
        var updates = new List<StreamingChatToolCallUpdate>();
        SdkFinishReason? finish = null;
        await foreach (var update in Sdk(server).CompleteChatStreamingAsync([new UserChatMessage("Weather in Paris?")], new ChatCompletionOptions { Tools = { WeatherTool } }))
        {
            updates.AddRange(update.ToolCallUpdates);
            finish ??= update.FinishReason;
        }

        var call = Assert.Single(updates);
        Assert.Equal(0, call.Index);
        Assert.StartsWith("call_", call.ToolCallId);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.Equal("Paris", JsonDocument.Parse(call.FunctionArgumentsUpdate).RootElement.GetProperty("city").GetString());
        Assert.Equal(SdkFinishReason.ToolCalls, finish);
    }

    [Fact]
    public async Task Sdk_json_schema_format_yields_the_schema_answer_and_free_reasoning()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ConformanceModels.CityJson));
        var options = new ChatCompletionOptions
        {
            ResponseFormat = SdkResponseFormat.CreateJsonSchemaFormat("city", BinaryData.FromString(ConformanceModels.CitySchema), jsonSchemaIsStrict: true),
        };
        ChatCompletion completion = await Sdk(server).CompleteChatAsync([new UserChatMessage("Which city?")], options);

        Assert.Equal(ConformanceModels.CityJson.Answer, completion.Content[0].Text);
        Assert.Equal(ConformanceModels.CityJson.Reasoning, Field(completion, "$.choices[0].message.reasoning_content"));
    }

    [Fact]
    public async Task Sdk_logprobs_cover_the_answer_tokens()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(Demo));
        var options = new ChatCompletionOptions { IncludeLogProbabilities = true, TopLogProbabilityCount = 2 };
        ChatCompletion completion = await Sdk(server).CompleteChatAsync([new UserChatMessage(Question)], options);
        var streamed = new List<ChatTokenLogProbabilityDetails>();
        await foreach (var update in Sdk(server).CompleteChatStreamingAsync([new UserChatMessage(Question)], options))
            streamed.AddRange(update.ContentTokenLogProbabilities);

        foreach (var entries in new[] { completion.ContentTokenLogProbabilities, streamed })
        {
            Assert.Contains(Demo.Answer!, string.Concat(entries.Select(e => e.Token)));
            Assert.All(entries, e =>
            {
                Assert.InRange(e.LogProbability, -0.01f, 0f);
                Assert.Equal(2, e.TopLogProbabilities.Count);
                Assert.Equal(e.Token, e.TopLogProbabilities[0].Token);
                Assert.Equal(Encoding.UTF8.GetBytes(e.Token), e.Utf8Bytes?.ToArray());
            });
        }
        Assert.Equal(completion.ContentTokenLogProbabilities.Select(e => e.Token), streamed.Select(e => e.Token));
    }

    [Fact]
    public async Task Sdk_streaming_reports_usage_and_reasoning_tokens()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(Demo));
        ChatTokenUsage? usage = null;
        await foreach (var update in Sdk(server).CompleteChatStreamingAsync([new UserChatMessage(Question)]))
            usage ??= update.Usage;

        // The SDK asks for stream_options.include_usage on every stream.
        Assert.NotNull(usage);
        Assert.Equal(TestModels.AnswerClosedTokens(Demo), usage.OutputTokenCount);
        Assert.Equal(usage.InputTokenCount + usage.OutputTokenCount, usage.TotalTokenCount);
        Assert.InRange(usage.OutputTokenDetails.ReasoningTokenCount, 1, usage.OutputTokenCount - 1);
    }

    [Fact]
    public async Task Sdk_reasoning_effort_forces_the_think_mode()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(Demo));
        ChatCompletion off = await Sdk(server).CompleteChatAsync([new UserChatMessage(Question)], new ChatCompletionOptions { ReasoningEffortLevel = ChatReasoningEffortLevel.None });
        ChatCompletion on = await Sdk(server).CompleteChatAsync([new UserChatMessage(Question)], new ChatCompletionOptions { ReasoningEffortLevel = ChatReasoningEffortLevel.High });

        Assert.Equal(Demo.Answer, off.Content[0].Text);
        Assert.Equal("off", Field(off, "$.choices[0].message.think_mode"));
        Assert.Equal("request", Field(off, "$.choices[0].message.think_mode_source"));
        Assert.Null(Field(off, "$.choices[0].message.reasoning_content"));
        Assert.Equal("on", Field(on, "$.choices[0].message.think_mode"));
        Assert.Equal(Demo.Reasoning, Field(on, "$.choices[0].message.reasoning_content"));
    }

    [Fact]
    public async Task Sdk_n_has_no_option_but_travels_through_the_patch()
    {
        // ChatCompletionOptions.N is internal in OpenAI 2.15 and ChatCompletion exposes the first choice only:
        // n is set through the patch and the other choices read from the raw response.
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(Demo));
        var options = new ChatCompletionOptions();
        options.Patch.Set("$.n"u8, 2);
        var result = await Sdk(server).CompleteChatAsync([new UserChatMessage(Question)], options);

        Assert.Equal(Demo.Answer, result.Value.Content[0].Text);
        var choices = JsonNode.Parse(result.GetRawResponse().Content.ToString())!["choices"]!.AsArray();
        Assert.Equal([0, 1], choices.Select(c => (int)c!["index"]!));
        Assert.All(choices, c => Assert.Equal(Demo.Answer, (string?)c!["message"]!["content"]));
        Assert.Equal(2 * TestModels.AnswerClosedTokens(Demo), result.Value.Usage.OutputTokenCount);
    }

    [Fact]
    public async Task ExtensionsAi_response_carries_the_reasoning_as_TextReasoningContent_and_usage()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(Demo));
        var response = await ExtensionsAi(server).GetResponseAsync(Question);

        Assert.Equal(Demo.Answer, response.Text);
        Assert.Equal(AI.ChatFinishReason.Stop, response.FinishReason);
        var message = Assert.Single(response.Messages);
        Assert.Equal(Demo.Reasoning, Assert.Single(message.Contents.OfType<TextReasoningContent>()).Text);
        Assert.Equal(TestModels.AnswerClosedTokens(Demo), response.Usage!.OutputTokenCount);
        Assert.True(response.Usage.InputTokenCount > 0);
        Assert.Equal(response.Usage.InputTokenCount + response.Usage.OutputTokenCount, response.Usage.TotalTokenCount);
        Assert.InRange(response.Usage.ReasoningTokenCount ?? 0, 1, response.Usage.OutputTokenCount!.Value - 1);
        // HiPO's decision is not an M.E.AI concept: it is read from the SDK completion underneath.
        Assert.Equal("model", Field(Assert.IsType<ChatCompletion>(response.RawRepresentation), "$.choices[0].message.think_mode_source"));
    }

    [Fact]
    public async Task ExtensionsAi_stream_carries_reasoning_text_and_usage_updates()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(Demo));
        var updates = await ExtensionsAi(server).GetStreamingResponseAsync(Question).ToListAsync();
        var response = updates.ToChatResponse();

        Assert.Equal(Demo.Answer, response.Text);
        Assert.Equal(Demo.Reasoning, string.Concat(updates.SelectMany(u => u.Contents).OfType<TextReasoningContent>().Select(r => r.Text)));
        Assert.Equal(AI.ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(TestModels.AnswerClosedTokens(Demo), response.Usage!.OutputTokenCount);
        // Reasoning arrives before any answer text.
        var firstText = updates.FindIndex(u => u.Contents.OfType<AI.TextContent>().Any(t => t.Text.Length > 0));
        Assert.DoesNotContain(updates.Skip(firstText), u => u.Contents.OfType<TextReasoningContent>().Any());
    }

    [Fact]
    public async Task ExtensionsAi_reasoning_options_force_the_think_mode()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(Demo));
        var off = await ExtensionsAi(server).GetResponseAsync(Question, new ChatOptions { Reasoning = new ReasoningOptions { Effort = ReasoningEffort.None } });
        var on = await ExtensionsAi(server).GetResponseAsync(Question, new ChatOptions { Reasoning = new ReasoningOptions { Effort = ReasoningEffort.High } });

        Assert.Equal(Demo.Answer, off.Text);
        Assert.Empty(off.Messages.SelectMany(m => m.Contents).OfType<TextReasoningContent>());
        Assert.Equal("request", Field((ChatCompletion)off.RawRepresentation!, "$.choices[0].message.think_mode_source"));
        Assert.Equal(Demo.Answer, on.Text);
        Assert.Equal(Demo.Reasoning, on.Messages.SelectMany(m => m.Contents).OfType<TextReasoningContent>().Single().Text);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ExtensionsAi_tool_call_surfaces_as_FunctionCallContent(bool stream)
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ConformanceModels.ToolCaller));
        var options = new ChatOptions { Tools = [AIFunctionFactory.Create(GetWeather, "get_weather")] };
        var response = stream
            ? (await ExtensionsAi(server).GetStreamingResponseAsync("Weather in Paris?", options).ToListAsync()).ToChatResponse()
            : await ExtensionsAi(server).GetResponseAsync("Weather in Paris?", options);

        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal("get_weather", call.Name);
        Assert.StartsWith("call_", call.CallId);
        Assert.Equal("Paris", call.Arguments!["city"]?.ToString());
        Assert.Equal(AI.ChatFinishReason.ToolCalls, response.FinishReason);
        Assert.Equal("", response.Text);
    }

    [Fact]
    public async Task ExtensionsAi_function_invocation_calls_the_function_and_sends_its_result_back()
    {
        // A scripted reply depends only on the prompt's last token, and every prompt ends on the same generation
        // prefix: a model scripted to call a tool would call it again after the result, forever. So a prose model
        // is made to call by tool_choice required (a grammar); the invoking client then drops back to auto, the
        // tool result goes into the prompt, and the model writes its prose answer.
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff));
        var calls = new List<Unit>();
        var weather = AIFunctionFactory.Create((Unit unit) => { calls.Add(unit); return "21 degrees"; }, "get_weather", "Current weather in Paris");
        var client = ExtensionsAi(server).AsBuilder().UseFunctionInvocation().Build();
        var options = new ChatOptions { Tools = [weather], ToolMode = ChatToolMode.RequireAny, AllowMultipleToolCalls = false, MaxOutputTokens = 300 };
        var response = await client.GetResponseAsync("Weather in Paris?", options);

        Assert.Single(calls);
        var contents = response.Messages.SelectMany(m => m.Contents).ToList();
        var call = Assert.Single(contents.OfType<FunctionCallContent>());
        Assert.Equal(call.CallId, Assert.Single(contents.OfType<FunctionResultContent>()).CallId);
        Assert.Equal(ScriptedModels.ThinkOff.Answer, response.Text);
        Assert.Equal(AI.ChatFinishReason.Stop, response.FinishReason);
    }

    [Fact]
    public async Task ExtensionsAi_typed_response_is_parsed_from_the_json_schema_answer()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ConformanceModels.CityJson));
        var response = await ExtensionsAi(server).GetResponseAsync<CityFact>("Which city?");

        Assert.Equal(new CityFact("Paris", true), response.Result);
        Assert.Equal(ConformanceModels.CityJson.Reasoning, response.Messages.SelectMany(m => m.Contents).OfType<TextReasoningContent>().Single().Text);
    }

    [Description("Current weather in a city")]
    private static string GetWeather(string city) => $"21 degrees in {city}";

    public enum Unit { Celsius, Fahrenheit }

    public sealed record CityFact(string City, bool Capital);
}
