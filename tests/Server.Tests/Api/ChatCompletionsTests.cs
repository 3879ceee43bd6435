namespace HiPO.Server.Tests.Api;

/// <summary>Non-streamed chat completions through the real server and the real llama.cpp runtime.</summary>
public sealed class ChatCompletionsTests
{
    private static object Ask(string text, object? extra = null) => Body.Merge(new { messages = new[] { new { role = "user", content = text } } }, extra);

    [Fact]
    public async Task A_think_on_reply_separates_judge_reasoning_and_answer()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOn));
        var response = await server.PostChatAsync(Ask("What is 17 times 23?"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await Sse.JsonAsync(response);
        var message = json["choices"]![0]!["message"]!;
        Assert.Equal("chat.completion", (string?)json["object"]);
        Assert.Equal("assistant", (string?)message["role"]);
        Assert.Equal(ScriptedModels.ThinkOn.Answer, (string?)message["content"]);
        Assert.Equal(ScriptedModels.ThinkOn.Reasoning, (string?)message["reasoning_content"]);
        Assert.Equal("on", (string?)message["think_mode"]);
        Assert.Equal("model", (string?)message["think_mode_source"]);
        Assert.Equal(ScriptedModels.ThinkOn.Judge, (string?)message["think_mode_reason"]);
        Assert.Equal("stop", (string?)json["choices"]![0]!["finish_reason"]);

        var usage = json["usage"]!;
        var completion = (int)usage["completion_tokens"]!;
        Assert.Equal(TestModels.AnswerClosedTokens(ScriptedModels.ThinkOn), completion);
        Assert.Equal((int)usage["prompt_tokens"]! + completion, (int)usage["total_tokens"]!);
        var reasoningTokens = (int)usage["completion_tokens_details"]!["reasoning_tokens"]!;
        Assert.InRange(reasoningTokens, 1, completion - 1);
        Assert.NotNull(json["timings"]);
    }

    [Fact]
    public async Task A_think_off_reply_has_null_reasoning()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff));
        var json = await Sse.JsonAsync(await server.PostChatAsync(Ask("Capital of France?")));
        var message = json["choices"]![0]!["message"]!.AsObject();

        Assert.Equal(ScriptedModels.ThinkOff.Answer, (string?)message["content"]);
        Assert.True(message.ContainsKey("reasoning_content"));
        Assert.Null(message["reasoning_content"]);
        Assert.Equal("off", (string?)message["think_mode"]);
        Assert.Equal(ScriptedModels.ThinkOff.Judge, (string?)message["think_mode_reason"]);
    }

    [Fact]
    public async Task Multi_byte_characters_split_across_tokens_arrive_whole()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.MultiByte));
        var json = await Sse.JsonAsync(await server.PostChatAsync(Ask("Greet me")));

        Assert.Equal(ScriptedModels.MultiByte.Answer, (string?)json["choices"]![0]!["message"]!["content"]);
    }

    [Fact]
    public async Task Max_tokens_ends_an_endless_reply_with_length()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.Endless));
        var json = await Sse.JsonAsync(await server.PostChatAsync(Ask("Go on", new { max_tokens = 40 })));

        Assert.Equal("length", (string?)json["choices"]![0]!["finish_reason"]);
        Assert.Equal(40, (int)json["usage"]!["completion_tokens"]!);
        var content = (string?)json["choices"]![0]!["message"]!["content"];
        Assert.StartsWith("This reply never ends.", content);
    }

    [Fact]
    public async Task Max_tokens_inside_the_judge_leaves_the_mode_undecided_and_content_empty()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOn));
        var json = await Sse.JsonAsync(await server.PostChatAsync(Ask("What is 17 times 23?", new { max_tokens = 3 })));
        var message = json["choices"]![0]!["message"]!.AsObject();

        Assert.Equal("length", (string?)json["choices"]![0]!["finish_reason"]);
        Assert.Equal("", (string?)message["content"]);
        Assert.Null(message["think_mode"]);
        Assert.StartsWith((string?)message["think_mode_reason"] ?? "?", ScriptedModels.ThinkOn.Judge!);
    }

    [Fact]
    public async Task A_reply_without_tags_is_all_answer()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.Malformed));
        var json = await Sse.JsonAsync(await server.PostChatAsync(Ask("Hi")));
        var message = json["choices"]![0]!["message"]!;

        Assert.Equal(ScriptedModels.Malformed.Reply.Text, (string?)message["content"]);
        Assert.Null(message["think_mode_reason"]);
    }

    [Fact]
    public async Task Models_lists_the_served_model_and_health_is_ok()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff));
        var models = await Sse.JsonAsync(await server.Http.GetAsync("/v1/models"));
        Assert.Equal("list", (string?)models["object"]);
        Assert.Equal("scripted-think-off", (string?)models["data"]![0]!["id"]);

        var health = await server.Http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/openapi/v1.json")).StatusCode);
    }

    [Fact]
    public async Task The_docs_group_endpoints_by_API_and_offer_no_cloud_services()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff));
        var document = System.Text.Json.Nodes.JsonNode.Parse(await server.Http.GetStringAsync("/openapi/v1.json"))!;
        var tags = document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Select(operation => (Path: path.Key, Tag: (string?)operation.Value!["tags"]?[0])))
            .Where(o => o.Path.StartsWith("/v1/", StringComparison.Ordinal) || o.Path.EndsWith("tokenize", StringComparison.Ordinal))
            .GroupBy(o => o.Path).ToDictionary(g => g.Key, g => Assert.Single(g.Select(o => o.Tag).Distinct()));
        Assert.Equal("Chat", tags["/v1/chat/completions"]);
        Assert.Equal("Completions", tags["/v1/completions"]);
        Assert.Equal("Models", tags["/v1/models"]);
        Assert.Equal("Responses", tags["/v1/responses"]);
        Assert.Equal("Tokenizer", tags["/tokenize"]);

        // The page's configuration turns off the AI agent, the SDK/deploy toolbar, MCP and telemetry.
        var page = (await server.Http.GetStringAsync("/docs/")).Replace(" ", "", StringComparison.Ordinal);
        Assert.Contains("\"agent\":{\"disabled\":true}", page, StringComparison.Ordinal);
        Assert.Contains("\"mcp\":{\"disabled\":true}", page, StringComparison.Ordinal);
        Assert.Contains("\"showDeveloperTools\":\"never\"", page, StringComparison.Ordinal);
        Assert.Contains("\"telemetry\":false", page, StringComparison.Ordinal);
    }
}
