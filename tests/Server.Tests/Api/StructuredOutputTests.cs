namespace HiPO.Server.Tests.Api;

/// <summary>response_format: a grammar constrains the answer block only; the judge and the reasoning stay free text.</summary>
public sealed class StructuredOutputTests
{
    /// <summary>A think-on model whose answer is already JSON.</summary>
    private static readonly ScriptedFixture JsonReply = new(
        new ScriptedModelBuilder("scripted-json")
            .Chain(after: "\n", ["Needs", " a", " lookup.\n", "</judge>", "<think_on>", "<think>", "\nParis", " is", " the", " capital.\n", "</think>", "\n\n", "<answer>",
                "\n{\"city\":", "\"Paris\",", "\"capital\":", "true}", "</answer>", "<|im_end|>"]),
        judge: "Needs a lookup.", reasoning: "Paris is the capital.", answer: """{"city":"Paris","capital":true}""");

    private static readonly JsonObject CitySchema = JsonNode.Parse("""
        {"type":"json_schema","json_schema":{"name":"city","strict":true,"schema":{
          "type":"object","additionalProperties":false,"required":["city","capital"],
          "properties":{"city":{"type":"string","description":"name"},"capital":{"type":"boolean"}}}}}
        """)!.AsObject();

    private static JsonObject Ask(object? extra = null) => Body.Merge(new { messages = new[] { new { role = "user", content = "Which city?" } } }, extra);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_json_schema_answer_keeps_free_reasoning_and_matches_the_schema(bool stream)
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(JsonReply));
        var body = Ask();
        body["response_format"] = CitySchema.DeepClone();
        var result = await ChatResult.RequestAsync(server, body, stream);

        Assert.Equal("Paris is the capital.", result.Reasoning);
        Assert.Equal("Needs a lookup.", result.ThinkModeReason);
        Assert.Equal("""{"city":"Paris","capital":true}""", result.Content);
        Assert.Equal("stop", result.FinishReason);
    }

    [Fact]
    public async Task A_model_that_would_write_prose_is_held_to_the_schema()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff));
        var body = Ask(new { max_tokens = 200 });
        body["response_format"] = JsonNode.Parse("""
            {"type":"json_schema","json_schema":{"name":"verdict","schema":{"type":"object","required":["ok","level"],
              "properties":{"ok":{"type":"boolean"},"level":{"enum":["low","high"]},"note":{"type":"null"}}}}}
            """);
        var result = await ChatResult.RequestAsync(server, body, stream: false);

        Assert.Equal(ScriptedModels.ThinkOff.Judge, result.ThinkModeReason);
        var answer = JsonDocument.Parse(result.Content!).RootElement;
        Assert.True(answer.GetProperty("ok").ValueKind is JsonValueKind.True or JsonValueKind.False);
        Assert.Contains(answer.GetProperty("level").GetString(), new[] { "low", "high" });
        Assert.All(answer.EnumerateObject(), p => Assert.Contains(p.Name, new[] { "ok", "level", "note" }));
        Assert.Equal("stop", result.FinishReason);
    }

    [Fact]
    public async Task Json_object_mode_yields_a_json_object()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(JsonReply));
        var result = await ChatResult.RequestAsync(server, Ask(new { response_format = new { type = "json_object" } }), stream: false);

        Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(result.Content!).RootElement.ValueKind);
    }

    [Theory]
    [InlineData("""{"type":"object","properties":{"a":{"$ref":"#/defs/x"}}}""", "$ref")]
    [InlineData("""{"type":"string","pattern":"^(?=a)b$"}""", "pattern")]
    [InlineData("""{"type":"string","format":"ipv6"}""", "format")]
    [InlineData("""{"type":"number","multipleOf":3}""", "multipleOf")]
    [InlineData("""{"type":"string","minLength":5000}""", "1999")]
    [InlineData("""{"type":"tuple"}""", "tuple")]
    public async Task Unsupported_schema_constructs_are_refused_by_name(string schema, string construct)
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff));
        var body = Ask();
        body["response_format"] = new JsonObject
        {
            ["type"] = "json_schema",
            ["json_schema"] = new JsonObject { ["name"] = "x", ["schema"] = JsonNode.Parse(schema) },
        };
        var response = await server.PostChatAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await Sse.JsonAsync(response))["error"]!;
        Assert.Equal("response_format.json_schema.schema", (string?)error["param"]);
        Assert.Equal("unsupported_schema", (string?)error["code"]);
        Assert.Contains(construct, (string)error["message"]!);
    }

    [Fact]
    public async Task A_json_string_that_spells_a_tag_does_not_end_the_answer()
    {
        // The reproduction: the demo model under json_object once wrote </answer> inside a string and the reply
        // ended there as "stop" with unterminated JSON.
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.Demo));
        var body = Ask(new { seed = 5, max_tokens = 600, response_format = new { type = "json_object" } });
        var choices = new List<JsonNode>();
        foreach (var seed in Enumerable.Range(1, 8))
        {
            body["seed"] = seed;
            choices.Add((await Sse.JsonAsync(await server.PostChatAsync(body)))["choices"]![0]!);
        }

        Assert.Contains(choices, c => (string?)c["finish_reason"] == "stop");
        foreach (var choice in choices.Where(c => (string?)c["finish_reason"] == "stop"))
            Assert.Equal(JsonValueKind.Object, JsonDocument.Parse((string)choice["message"]!["content"]!).RootElement.ValueKind);
    }

    [Fact]
    public async Task Large_length_limits_are_bounded_instead_of_crashing_the_server()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff));
        var body = Ask(new { max_tokens = 50 });
        body["response_format"] = JsonNode.Parse("""
            {"type":"json_schema","json_schema":{"name":"long","schema":{"type":"object","required":["text"],
              "properties":{"text":{"type":"string","maxLength":5000},"list":{"type":"array","maxItems":100000}}}}}
            """);
        var response = await server.PostChatAsync(body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("{\"text\":\"", (string?)(await Sse.JsonAsync(response))["choices"]![0]!["message"]!["content"]);
    }
}
