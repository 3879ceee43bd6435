// The OpenAI .NET SDK marks its Responses client experimental.
#pragma warning disable OPENAI001
using System.ClientModel;
using System.ClientModel.Primitives;
using HiPO.Server.Tests.Conformance;
using OpenAI.Responses;

namespace HiPO.Server.Tests.Api;

/// <summary>The OpenAI .NET SDK's <see cref="ResponsesClient"/> against <c>/v1/responses</c>, as its users call it.</summary>
public sealed class OpenAiSdkResponsesTests
{
    private static ResponsesClient Client(RunningServer server) =>
        new(new ApiKeyCredential("unused"), new ResponsesClientOptions { Endpoint = new Uri(server.BaseAddress, "/v1") });

    [Fact]
    public async Task CreateResponse_returns_a_reasoning_item_and_the_answer()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOn));
        var result = await Client(server).CreateResponseAsync(server.Engine.ModelId, "What is 17 times 23?");
        var response = result.Value;

        Assert.Equal(ResponseStatus.Completed, response.Status);
        Assert.Equal(ScriptedModels.ThinkOn.Answer, response.GetOutputText());
        Assert.IsType<ReasoningResponseItem>(response.OutputItems[0]);
        var message = Assert.IsAssignableFrom<MessageResponseItem>(response.OutputItems[1]);
        Assert.Equal(MessageRole.Assistant, message.Role);
        Assert.True(response.Usage.OutputTokenDetails.ReasoningTokenCount > 0);
        Assert.Equal(response.Usage.InputTokenCount + response.Usage.OutputTokenCount, response.Usage.TotalTokenCount);

        // The reasoning text and HiPO's fields travel beside what the SDK models: read them from the raw response.
        var raw = JsonNode.Parse(result.GetRawResponse().Content.ToString())!;
        Assert.Equal(ScriptedModels.ThinkOn.Reasoning, (string?)raw["output"]![0]!["content"]![0]!["text"]);
        Assert.Equal("on", (string?)raw["think_mode"]);
    }

    [Fact]
    public async Task The_reasoning_summary_is_the_reasoning_when_asked_for()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOn));
        var options = new CreateResponseOptions(server.Engine.ModelId, [ResponseItem.CreateUserMessageItem("What is 17 times 23?")])
        {
            ReasoningOptions = new ResponseReasoningOptions { ReasoningSummaryVerbosity = ResponseReasoningSummaryVerbosity.Detailed },
        };
        var response = (await Client(server).CreateResponseAsync(options)).Value;

        var reasoning = Assert.IsType<ReasoningResponseItem>(response.OutputItems[0]);
        Assert.Equal(ScriptedModels.ThinkOn.Reasoning, reasoning.GetSummaryText());
    }

    [Fact]
    public async Task Streaming_delivers_reasoning_and_answer_deltas_then_the_completed_response()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOn));
        var reasoning = new StringBuilder();
        var answer = new StringBuilder();
        var sequence = new List<int>();
        ResponseResult? completed = null;
        await foreach (var update in await Client(server).CreateResponseStreamingAsync(server.Engine.ModelId, "What is 17 times 23?"))
        {
            sequence.Add(update.SequenceNumber);
            switch (update)
            {
                case StreamingResponseReasoningTextDeltaUpdate delta:
                    reasoning.Append(delta.Delta);
                    break;
                case StreamingResponseOutputTextDeltaUpdate delta:
                    answer.Append(delta.Delta);
                    break;
                case StreamingResponseCompletedUpdate done:
                    completed = done.Response;
                    break;
            }
        }

        Assert.Equal(ScriptedModels.ThinkOn.Reasoning, reasoning.ToString());
        Assert.Equal(ScriptedModels.ThinkOn.Answer, answer.ToString());
        Assert.Equal(Enumerable.Range(0, sequence.Count), sequence);
        Assert.NotNull(completed);
        Assert.Equal(ScriptedModels.ThinkOn.Answer, completed.GetOutputText());
        Assert.True(completed.Usage.OutputTokenDetails.ReasoningTokenCount > 0);
    }

    [Fact]
    public async Task A_response_is_continued_retrieved_and_deleted()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff));
        var client = Client(server);
        var first = (await client.CreateResponseAsync(server.Engine.ModelId, "Capital of France?")).Value;
        var second = (await client.CreateResponseAsync(server.Engine.ModelId, "And of Italy?", previousResponseId: first.Id)).Value;

        Assert.Equal(first.Id, second.PreviousResponseId);
        Assert.True(second.Usage.InputTokenDetails.CachedTokenCount > 0);
        Assert.Equal(first.GetOutputText(), (await client.GetResponseAsync(first.Id)).Value.GetOutputText());
        Assert.True((await client.DeleteResponseAsync(first.Id)).Value.Deleted);
        var missing = await Assert.ThrowsAsync<ClientResultException>(() => client.GetResponseAsync(first.Id));
        Assert.Equal(404, missing.Status);
    }

    [Fact]
    public async Task A_function_call_is_returned_and_its_output_sent_back()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ConformanceModels.ToolCaller));
        var client = Client(server);
        var options = new CreateResponseOptions(server.Engine.ModelId, [ResponseItem.CreateUserMessageItem("Weather in Paris?")])
        {
            Tools = { ResponseTool.CreateFunctionTool("get_weather", BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""), false, "Weather") },
        };
        var response = (await client.CreateResponseAsync(options)).Value;

        var call = Assert.IsType<FunctionCallResponseItem>(Assert.Single(response.OutputItems));
        Assert.Equal("get_weather", call.FunctionName);
        Assert.Equal("Paris", (string?)JsonNode.Parse(call.FunctionArguments.ToString())!["city"]);

        var next = new CreateResponseOptions(server.Engine.ModelId, [.. response.OutputItems, ResponseItem.CreateFunctionCallOutputItem(call.CallId, "18 C")])
        {
            Tools = { options.Tools[0] },
            StoredOutputEnabled = false,
        };
        Assert.Equal(ResponseStatus.Completed, (await client.CreateResponseAsync(next)).Value.Status);
    }

    [Fact]
    public async Task A_bad_request_surfaces_as_a_400_with_OpenAIs_error_body()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff));
        var options = new CreateResponseOptions(server.Engine.ModelId, [ResponseItem.CreateUserMessageItem("x")]) { Tools = { ResponseTool.CreateWebSearchTool() } };
        var error = await Assert.ThrowsAsync<ClientResultException>(() => Client(server).CreateResponseAsync(options));

        Assert.Equal(400, error.Status);
        var body = JsonNode.Parse(error.GetRawResponse()!.Content.ToString())!["error"]!;
        Assert.Equal("tools[0].type", (string?)body["param"]);
        Assert.Contains("web_search", (string?)body["message"]);
    }

    [Fact]
    public async Task The_sdk_round_trips_the_response_object()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff));
        var response = (await Client(server).CreateResponseAsync(server.Engine.ModelId, "Capital of France?")).Value;
        var json = JsonNode.Parse(ModelReaderWriter.Write(response).ToString())!;
        Assert.Equal("response", (string?)json["object"]);
        Assert.Equal(response.Id, (string?)json["id"]);
    }
}
