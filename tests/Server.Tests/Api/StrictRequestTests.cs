namespace HiPO.Server.Tests.Api;

/// <summary>
/// Where OpenAI is strict the server is too, at every depth: tool messages, tool calls, tool definitions, response formats
/// and the shape of every JSON-schema keyword. A wrong type is a 400 naming its path, never ignored and never a 500.
/// </summary>
public sealed class StrictRequestTests : IAsyncLifetime
{
    private const string User = """[{"role":"user","content":"hi"}]""";
    private const string Tool = """{"type":"function","function":{"name":"f"}}""";
    private const string Schema = "response_format.json_schema.schema";
    private RunningServer _server = null!;

    public async Task InitializeAsync() => _server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static string WithSchema(string schema) =>
        """{"messages":""" + User + ""","response_format":{"type":"json_schema","json_schema":{"name":"x","schema":""" + schema + "}}}";

    private static string WithParameters(string schema) =>
        """{"messages":""" + User + ""","tools":[{"type":"function","function":{"name":"f","parameters":""" + schema + "}}]}";

    public static TheoryData<string, string, string, string> BadRequests => new()
    {
        { "tool message without tool_call_id", """{"messages":[{"role":"user","content":"hi"},{"role":"tool","content":"21"}]}""", "messages[1].tool_call_id", "missing_required_parameter" },
        { "tool_call_id a number", """{"messages":[{"role":"tool","tool_call_id":5,"content":"21"}]}""", "messages[0].tool_call_id", "invalid_type" },
        { "tool_calls on a user message", """{"messages":[{"role":"user","content":"hi","tool_calls":[]}]}""", "messages[0].tool_calls", "invalid_value" },
        { "tool_calls not an array", """{"messages":[{"role":"assistant","content":null,"tool_calls":{}}]}""", "messages[0].tool_calls", "invalid_type" },
        { "arguments an object", """{"messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":{"a":1}}}]}]}""", "messages[0].tool_calls[0].function.arguments", "invalid_type" },
        { "arguments missing", """{"messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f"}}]}]}""", "messages[0].tool_calls[0].function.arguments", "missing_required_parameter" },
        { "tool call function a string", """{"messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":"f"}]}]}""", "messages[0].tool_calls[0].function", "invalid_type" },
        { "tool call id a number", """{"messages":[{"role":"assistant","content":null,"tool_calls":[{"id":1,"type":"function","function":{"name":"f","arguments":"{}"}}]}]}""", "messages[0].tool_calls[0].id", "invalid_type" },
        { "tool call type unknown", """{"messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"web","function":{"name":"f","arguments":"{}"}}]}]}""", "messages[0].tool_calls[0].type", "invalid_value" },
        { "tool type a number", $$$"""{"messages":{{{User}}},"tools":[{"type":1}]}""", "tools[0].type", "invalid_type" },
        { "tool type missing", $$$"""{"messages":{{{User}}},"tools":[{"function":{"name":"f"}}]}""", "tools[0].type", "missing_required_parameter" },
        { "tool not an object", $$$"""{"messages":{{{User}}},"tools":[1]}""", "tools[0]", "invalid_type" },
        { "tool name a number", $$$"""{"messages":{{{User}}},"tools":[{"type":"function","function":{"name":7}}]}""", "tools[0].function.name", "invalid_type" },
        { "tool description a number", $$$"""{"messages":{{{User}}},"tools":[{"type":"function","function":{"name":"f","description":7}}]}""", "tools[0].function.description", "invalid_type" },
        { "tool strict a string", $$$"""{"messages":{{{User}}},"tools":[{"type":"function","function":{"name":"f","strict":"yes"}}]}""", "tools[0].function.strict", "invalid_type" },
        { "tool_choice function a string", $$$"""{"messages":{{{User}}},"tools":[{{{Tool}}}],"tool_choice":{"type":"function","function":"f"}}""", "tool_choice.function", "invalid_type" },
        { "tool_choice name a number", """{"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"function","function":{"name":1}}}""", "tool_choice.function.name", "invalid_type" },
        { "tool_choice a number", $$$"""{"messages":{{{User}}},"tools":[{{{Tool}}}],"tool_choice":3}""", "tool_choice", "invalid_type" },
        { "parameters type a number", WithParameters("""{"type":5}"""), "tools[0].function.parameters.type", "invalid_type" },
        { "parameters minItems a string", WithParameters("""{"type":"object","properties":{"tags":{"type":"array","minItems":"2"}}}"""), "tools[0].function.parameters.properties.tags.minItems", "invalid_type" },
        { "response_format a string", $$$"""{"messages":{{{User}}},"response_format":"json"}""", "response_format", "invalid_type" },
        { "response_format type a number", $$$"""{"messages":{{{User}}},"response_format":{"type":1}}""", "response_format.type", "invalid_type" },
        { "json_schema a string", $$$"""{"messages":{{{User}}},"response_format":{"type":"json_schema","json_schema":"x"}}""", "response_format.json_schema", "invalid_type" },
        { "json_schema without a name", """{"messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema","json_schema":{"schema":{}}}}""", "response_format.json_schema.name", "missing_required_parameter" },
        { "json_schema strict a string", """{"messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"x","strict":"yes","schema":{}}}}""", "response_format.json_schema.strict", "invalid_type" },
        { "schema a list", WithSchema("[1]"), Schema, "invalid_type" },
        { "type a number", WithSchema("""{"type":5}"""), Schema + ".type", "invalid_type" },
        { "type list with a number", WithSchema("""{"type":["string",5]}"""), Schema + ".type[1]", "invalid_type" },
        { "properties a list", WithSchema("""{"type":"object","properties":[1,2]}"""), Schema + ".properties", "invalid_type" },
        { "property schema a number", WithSchema("""{"type":"object","properties":{"a":1}}"""), Schema + ".properties.a", "invalid_type" },
        { "required a string", WithSchema("""{"type":"object","properties":{"a":{}},"required":"a"}"""), Schema + ".required", "invalid_type" },
        { "required with a number", WithSchema("""{"type":"object","properties":{"a":{}},"required":["a",1]}"""), Schema + ".required[1]", "invalid_type" },
        { "minItems a string", WithSchema("""{"type":"array","minItems":"2"}"""), Schema + ".minItems", "invalid_type" },
        { "minItems fractional", WithSchema("""{"type":"array","minItems":1.5}"""), Schema + ".minItems", "invalid_type" },
        { "minItems negative", WithSchema("""{"type":"array","minItems":-1}"""), Schema + ".minItems", "invalid_value" },
        { "minLength past the grammar limit", WithSchema("""{"type":"string","minLength":5000}"""), Schema, "unsupported_schema" },
        { "maxLength huge", WithSchema("""{"type":"string","maxLength":1e300}"""), Schema + ".maxLength", "invalid_type" },
        { "minLength above maxLength", WithSchema("""{"type":"string","minLength":5,"maxLength":2}"""), Schema + ".minLength", "invalid_value" },
        { "items a number", WithSchema("""{"type":"array","items":3}"""), Schema + ".items", "invalid_type" },
        { "anyOf empty", WithSchema("""{"anyOf":[]}"""), Schema + ".anyOf", "invalid_type" },
        { "anyOf member a string", WithSchema("""{"anyOf":[{"type":"string"},"x"]}"""), Schema + ".anyOf[1]", "invalid_type" },
        { "enum an object", WithSchema("""{"enum":{}}"""), Schema + ".enum", "invalid_type" },
        { "additionalProperties a string", WithSchema("""{"type":"object","additionalProperties":"no"}"""), Schema + ".additionalProperties", "invalid_type" },
        { "description a number", WithSchema("""{"type":"string","description":1}"""), Schema + ".description", "invalid_type" },
        { "nested deep wrong type", WithSchema("""{"type":"object","properties":{"a":{"type":"array","items":{"type":"object","properties":{"b":{"type":"string","maxLength":"9"}}}}}}"""), Schema + ".properties.a.items.properties.b.maxLength", "invalid_type" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Wrong_shapes_get_a_400_naming_the_path(string why, string body, string param, string code)
    {
        var response = await _server.Http.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(400 == (int)response.StatusCode, $"{why}: got {(int)response.StatusCode}: {text}");
        var error = ErrorBody.Parse(text);
        Assert.Equal(param, (string?)error["param"]);
        Assert.Equal(code, (string?)error["code"]);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await _server.Http.GetAsync("/health/ready")).StatusCode);
    }

    [Theory]
    [InlineData(1, 257, Schema + ".properties")]
    [InlineData(5, 250, Schema + ".properties.o4.properties")]
    [InlineData(-5, 250, "tools[4].function.parameters.properties")]
    public async Task A_schema_too_large_for_a_cheap_grammar_is_refused(int objects, int propertiesEach, string param)
    {
        // Thousands of optional properties once took the grammar engine minutes and gigabytes for one small request.
        static string Properties(int count) => "{" + string.Join(",", Enumerable.Range(0, count).Select(i => $"\"p{i}\":{{\"type\":\"integer\"}}")) + "}";
        static string Object(string properties) => """{"type":"object","properties":""" + properties + "}";
        var schema = objects <= 1
            ? Object(Properties(propertiesEach))
            : Object("{" + string.Join(",", Enumerable.Range(0, objects).Select(o => $"\"o{o}\":" + Object(Properties(propertiesEach)))) + "}");
        // A negative count puts that many tools in the request instead, whose schemas share the budget.
        var body = objects > 0 ? WithSchema(schema) : """{"messages":[{"role":"user","content":"hi"}],"tools":[""" +
            string.Join(",", Enumerable.Range(0, -objects).Select(t => """{"type":"function","function":{"name":"f""" + t + "\",\"parameters\":" + Object(Properties(propertiesEach)) + "}}")) + "]}";
        var response = await _server.Http.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(400 == (int)response.StatusCode, text);
        var error = ErrorBody.Parse(text);
        Assert.Equal(param, (string?)error["param"]);
        Assert.Equal("unsupported_schema", (string?)error["code"]);
    }

    [Fact]
    public async Task More_than_128_tools_are_refused()
    {
        var tools = string.Join(",", Enumerable.Range(0, 129).Select(i => """{"type":"function","function":{"name":"f""" + i + "\"}}"));
        var body = """{"messages":[{"role":"user","content":"hi"}],"tools":[""" + tools + "]}";
        var response = await _server.Http.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(400 == (int)response.StatusCode, text);
        var error = ErrorBody.Parse(text);
        Assert.Equal("tools", (string?)error["param"]);
        Assert.Equal("array_above_max_length", (string?)error["code"]);
    }

    [Fact]
    public async Task A_well_formed_tool_history_is_accepted()
    {
        var body = """
            {"max_tokens":8,"messages":[{"role":"user","content":"hi"},
             {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},
             {"role":"tool","tool_call_id":"call_1","content":"21"}],
             "tools":[{"type":"function","function":{"name":"f","description":"d","strict":true,"parameters":{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]}}}]}
            """;
        var response = await _server.Http.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }
}
