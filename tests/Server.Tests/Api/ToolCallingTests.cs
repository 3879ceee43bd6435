namespace HiPO.Server.Tests.Api;

/// <summary>Function tools: Qwen-style calls read from the answer only, streamed as OpenAI tool_calls deltas.</summary>
public sealed class ToolCallingTests
{
    private static ScriptedFixture Fixture(string name, params ScriptPiece[] reply) =>
        new(new ScriptedModelBuilder(name).Chain(after: "\n", reply), judge: null, reasoning: null, answer: null);

    private static readonly ScriptedFixture Caller = Fixture("scripted-tool-caller",
        "Weather", " needs", " a", " tool.\n", "</judge>", "\n\n", "<think_off>", "<answer>",
        "\n<tool_call>\n", "{\"name\": \"get_weather\", ", "\"arguments\": {\"city\": \"Paris\"}}", "\n</tool_call>\n", "</answer>", "<|im_end|>");

    private static readonly ScriptedFixture ThinksAboutTools = Fixture("scripted-tool-in-reasoning",
        "Hmm.\n", "</judge>", "<think_on>", "<think>", "\nMaybe", " <tool_call>{\"name\":\"get_weather\"}</tool_call>", " no.\n", "</think>", "\n\n", "<answer>",
        "\nNo", " tool", " needed.\n", "</answer>", "<|im_end|>");

    private static readonly ScriptedFixture BrokenCall = Fixture("scripted-broken-tool-call",
        "Tool.\n", "</judge>", "\n\n", "<think_off>", "<answer>", "\n<tool_call>\n", "{\"name\": get_weather", "\n</tool_call>\n", "</answer>", "<|im_end|>");

    private const string Weather = """
        [{"type":"function","function":{"name":"get_weather","description":"Current weather","parameters":
          {"type":"object","properties":{"city":{"type":"string","maxLength":12},"unit":{"enum":["c","f"]}},"required":["city","unit"]}}}]
        """;

    private static JsonObject Ask(object? extra = null)
    {
        var body = Body.Merge(new { messages = new[] { new { role = "user", content = "Weather in Paris?" } } }, extra);
        body["tools"] = JsonNode.Parse(Weather);
        return body;
    }

    /// <summary>The whole reply of a fresh server of <paramref name="model"/> to <see cref="Ask"/> with <paramref name="extra"/>.</summary>
    private static async Task<JsonObject> ReplyAsync(ScriptedFixture model, object? extra = null)
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(model));
        return await Sse.JsonAsync(await server.PostChatAsync(Ask(extra)));
    }

    /// <summary>The message of a reply that ended as usual ("stop") without a tool call.</summary>
    private static JsonNode MessageWithoutCall(JsonObject reply)
    {
        var choice = reply["choices"]![0]!;
        Assert.Null(choice["message"]!["tool_calls"]);
        Assert.Equal("stop", (string?)choice["finish_reason"]);
        return choice["message"]!;
    }

    [Fact]
    public async Task A_tool_call_in_the_answer_becomes_tool_calls()
    {
        var json = await ReplyAsync(Caller);
        var choice = json["choices"]![0]!;
        var call = choice["message"]!["tool_calls"]![0]!;

        Assert.Equal("tool_calls", (string?)choice["finish_reason"]);
        Assert.Null(choice["message"]!["content"]);
        Assert.Equal("function", (string?)call["type"]);
        Assert.StartsWith("call_", (string?)call["id"]);
        Assert.Equal("get_weather", (string?)call["function"]!["name"]);
        Assert.Equal("Paris", JsonDocument.Parse((string)call["function"]!["arguments"]!).RootElement.GetProperty("city").GetString());
    }

    [Fact]
    public async Task A_streamed_tool_call_arrives_as_one_tool_calls_delta()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(Caller));
        var chunks = await Sse.ReadChunksAsync(await Sse.PostStreamAsync(server.Http, Ask(new { stream = true })));
        var calls = chunks.SelectMany(c => c["choices"]!.AsArray()).Where(c => c!["delta"]?["tool_calls"] is not null).ToList();

        var call = Assert.Single(calls)!["delta"]!["tool_calls"]![0]!;
        Assert.Equal(0, (int)call["index"]!);
        Assert.Equal("get_weather", (string?)call["function"]!["name"]);
        Assert.Equal("\"Paris\"", JsonNode.Parse((string)call["function"]!["arguments"]!)!["city"]!.ToJsonString());
        Assert.Equal("tool_calls", chunks.SelectMany(c => c["choices"]!.AsArray()).Select(c => (string?)c!["finish_reason"]).Last(r => r is not null));
        Assert.DoesNotContain("tool_call", Sse.Field(chunks, "content"));
    }

    [Fact]
    public async Task A_tool_call_written_in_the_reasoning_is_not_a_call()
    {
        var message = MessageWithoutCall(await ReplyAsync(ThinksAboutTools));

        Assert.Equal("No tool needed.", (string?)message["content"]);
        Assert.Contains("<tool_call>", (string?)message["reasoning_content"]);
    }

    [Fact]
    public async Task A_call_with_invalid_json_is_returned_as_content_not_crashed_on()
    {
        var message = MessageWithoutCall(await ReplyAsync(BrokenCall));

        Assert.Contains("{\"name\": get_weather", (string?)message["content"]);
    }

    [Fact]
    public async Task Required_tool_choice_makes_a_prose_model_call_a_tool_with_valid_arguments()
    {
        var json = await ReplyAsync(ScriptedModels.ThinkOff, new { tool_choice = "required", parallel_tool_calls = false, max_tokens = 300 });
        var choice = json["choices"]![0]!;
        var call = Assert.Single(choice["message"]!["tool_calls"]!.AsArray())!;
        var arguments = JsonDocument.Parse((string)call["function"]!["arguments"]!).RootElement;

        Assert.Equal("tool_calls", (string?)choice["finish_reason"]);
        Assert.Equal("get_weather", (string?)call["function"]!["name"]);
        Assert.Equal(JsonValueKind.String, arguments.GetProperty("city").ValueKind);
        Assert.Contains(arguments.GetProperty("unit").GetString(), new[] { "c", "f" });
    }

    [Fact]
    public async Task Tool_choice_none_leaves_the_tools_out_of_the_prompt()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff));
        var plain = await Sse.JsonAsync(await server.PostChatAsync(new { messages = new[] { new { role = "user", content = "Weather in Paris?" } } }));
        var none = await Sse.JsonAsync(await server.PostChatAsync(Ask(new { tool_choice = "none" })));
        var auto = await Sse.JsonAsync(await server.PostChatAsync(Ask()));

        Assert.Equal((int)plain["usage"]!["prompt_tokens"]!, (int)none["usage"]!["prompt_tokens"]!);
        Assert.True((int)auto["usage"]!["prompt_tokens"]! > (int)plain["usage"]!["prompt_tokens"]! + 200);
    }

    [Fact]
    public async Task Tool_results_and_earlier_calls_are_rendered_into_the_prompt()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(Caller));
        var body = Ask();
        var before = (int)(await Sse.JsonAsync(await server.PostChatAsync(body)))["usage"]!["prompt_tokens"]!;
        body["messages"]!.AsArray().Add(JsonNode.Parse("""
            {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]}
            """));
        body["messages"]!.AsArray().Add(JsonNode.Parse("""{"role":"tool","tool_call_id":"call_1","content":"{\"temp_c\":21}"}"""));
        var response = await server.PostChatAsync(body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var after = (int)(await Sse.JsonAsync(response))["usage"]!["prompt_tokens"]!;
        var added = "<|im_start|>assistant\n\n<tool_call>\n{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}\n</tool_call><|im_end|>\n" +
            "<|im_start|>user\n<tool_response>\n{\"temp_c\":21}\n</tool_response><|im_end|>\n";
        // The test vocabulary has no merges: every added byte is one token, except the control tokens, which are one token each.
        var controlBytes = 2 * ("<|im_start|>".Length - 1) + 2 * ("<|im_end|>".Length - 1);
        Assert.Equal(before + System.Text.Encoding.UTF8.GetByteCount(added) - controlBytes, after);
    }

    [Theory]
    [InlineData("""{"tools":[{"type":"retrieval"}]}""", "tools[0].type")]
    [InlineData("""{"tools":[{"type":"function","function":{"name":"bad name!"}}]}""", "tools[0].function.name")]
    [InlineData("""{"tools":[{"type":"function"}]}""", "tools[0].function")]
    [InlineData("""{"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"a":{"$ref":"#/x"}}}}}],"tool_choice":"required"}""", "tools[0].function.parameters")]
    [InlineData("""{"tools":[{"type":"function","function":{"name":"f"}},{"type":"function","function":{"name":"g","parameters":{"not":{}}}}],"tool_choice":{"type":"function","function":{"name":"g"}}}""", "tools[1].function.parameters")]
    [InlineData("""{"tool_choice":"required"}""", "tool_choice")]
    [InlineData("""{"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"function","function":{"name":"g"}}}""", "tool_choice.function.name")]
    [InlineData("""{"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"sometimes"}""", "tool_choice")]
    public async Task Bad_tool_definitions_are_refused(string fields, string param)
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff));
        var body = Body.Merge(new { messages = new[] { new { role = "user", content = "hi" } } }, null);
        foreach (var (key, value) in JsonNode.Parse(fields)!.AsObject())
            body[key] = value?.DeepClone();
        var response = await server.PostChatAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(param, (string?)(await Sse.JsonAsync(response))["error"]!["param"]);
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("none")]
    public async Task Any_json_schema_is_accepted_when_tools_are_only_shown_to_the_model(string choice)
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff));
        var body = Body.Merge(new { messages = new[] { new { role = "user", content = "hi" } }, tool_choice = choice }, null);
        body["tools"] = JsonNode.Parse("""
            [{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{
              "a":{"not":{"type":"null"}},"b":{"$ref":"https://example.com/b.json"},"c":{"type":"number","multipleOf":0.5},
              "d":{"if":{"minimum":1},"then":{"maximum":5}},"e":{"type":"string","format":"x-custom","minLength":99999}}}}}]
            """);
        var response = await server.PostChatAsync(body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_closing_tag_inside_the_arguments_does_not_end_a_required_call()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff));
        var body = Ask(new { tool_choice = "required", parallel_tool_calls = false, max_tokens = 300, temperature = 1.0 });
        body["tools"] = JsonNode.Parse("""
            [{"type":"function","function":{"name":"note","parameters":{"type":"object","required":["text"],"additionalProperties":false,
              "properties":{"text":{"type":"string","pattern":"^(</tool_call>|</answer>|<judge>) [a-z]{1,8}$"}}}}}]
            """);
        foreach (var seed in Enumerable.Range(1, 4))
        {
            body["seed"] = seed;
            var choice = (await Sse.JsonAsync(await server.PostChatAsync(body)))["choices"]![0]!;
            var call = Assert.Single(choice["message"]!["tool_calls"]!.AsArray())!;

            Assert.Equal("tool_calls", (string?)choice["finish_reason"]);
            Assert.Null(choice["message"]!["content"]);
            Assert.Matches("^(</tool_call>|</answer>|<judge>) [a-z]{1,8}$", JsonDocument.Parse((string)call["function"]!["arguments"]!).RootElement.GetProperty("text").GetString());
        }
    }

    [Fact]
    public async Task A_required_call_cut_off_by_max_tokens_leaves_no_markup_in_the_content()
    {
        var json = await ReplyAsync(ScriptedModels.ThinkOff, new { tool_choice = "required", think_mode = "off", max_tokens = 8 });
        var choice = json["choices"]![0]!;

        Assert.Equal("length", (string?)choice["finish_reason"]);
        Assert.True(string.IsNullOrEmpty((string?)choice["message"]!["content"]), (string?)choice["message"]!["content"]);
    }
}
