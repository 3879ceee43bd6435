using HiPO.Server.Tests.Conformance;

namespace HiPO.Server.Tests.Api;

/// <summary><c>/v1/responses</c> over raw HTTP: the response object, the semantic event stream, the store and validation.</summary>
public sealed class ResponsesTests(ResponsesTests.ThinkOffServer thinkOff) : IClassFixture<ResponsesTests.ThinkOffServer>
{
    public sealed class ThinkOffServer : IAsyncLifetime
    {
        public RunningServer Server { get; private set; } = null!;

        public async Task InitializeAsync() => Server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff));

        public async Task DisposeAsync() => await Server.DisposeAsync();
    }

    private static async Task<(HttpStatusCode Status, JsonObject Json)> PostAsync(RunningServer server, string body, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/responses") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (key is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await server.Http.SendAsync(request);
        return (response.StatusCode, await Sse.JsonAsync(response));
    }

    /// <summary>The events of a streamed response: (event name, data).</summary>
    private static async Task<List<(string Name, JsonObject Data)>> StreamAsync(RunningServer server, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/responses") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using var response = await server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = new List<(string, JsonObject)>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        string? name = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
                name = line["event: ".Length..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                var data = Sse.Json(line["data: ".Length..]);
                Assert.Equal(name, (string?)data["type"]);
                events.Add((name!, data));
            }
        }
        return events;
    }

    [Fact]
    public async Task A_thinking_reply_is_a_reasoning_item_then_a_message_item()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOn));
        var (status, json) = await PostAsync(server, """{"input":"What is 17 times 23?"}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("response", (string?)json["object"]);
        Assert.StartsWith("resp_", (string?)json["id"]);
        Assert.Equal("completed", (string?)json["status"]);
        var output = json["output"]!.AsArray();
        Assert.Equal(["reasoning", "message"], output.Select(i => (string?)i!["type"]));
        Assert.StartsWith("rs_", (string?)output[0]!["id"]);
        Assert.Equal("reasoning_text", (string?)output[0]!["content"]![0]!["type"]);
        Assert.Equal(ScriptedModels.ThinkOn.Reasoning, (string?)output[0]!["content"]![0]!["text"]);
        Assert.Empty(output[0]!["summary"]!.AsArray());
        Assert.Equal("assistant", (string?)output[1]!["role"]);
        Assert.Equal("output_text", (string?)output[1]!["content"]![0]!["type"]);
        Assert.Equal(ScriptedModels.ThinkOn.Answer, (string?)output[1]!["content"]![0]!["text"]);
        Assert.Equal("on", (string?)json["think_mode"]);
        Assert.Equal(ScriptedModels.ThinkOn.Judge, (string?)json["think_mode_reason"]);
        Assert.Equal("model", (string?)json["think_mode_source"]);
        var usage = json["usage"]!;
        Assert.Equal(TestModels.AnswerClosedTokens(ScriptedModels.ThinkOn), (int)usage["output_tokens"]!);
        Assert.True((int)usage["output_tokens_details"]!["reasoning_tokens"]! > 0);
        Assert.Equal((int)usage["input_tokens"]! + (int)usage["output_tokens"]!, (int)usage["total_tokens"]!);
    }

    [Fact]
    public async Task Reasoning_effort_none_forces_think_off_and_leaves_out_the_reasoning_item()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.Demo));
        var (_, json) = await PostAsync(server, """{"input":"Hi","reasoning":{"effort":"none"}}""");

        Assert.Equal("off", (string?)json["think_mode"]);
        Assert.Equal("request", (string?)json["think_mode_source"]);
        Assert.Equal(["message"], json["output"]!.AsArray().Select(i => (string?)i!["type"]));
        Assert.Equal("none", (string?)json["reasoning"]!["effort"]);
    }

    [Fact]
    public async Task The_stream_sends_the_documented_events_in_order_with_sequence_numbers()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOn));
        var events = await StreamAsync(server, """{"input":"What is 17 times 23?","stream":true}""");

        Assert.Equal(Enumerable.Range(0, events.Count), events.Select(e => (int)e.Data["sequence_number"]!));
        var kinds = events.Select(e => e.Name).Distinct().ToList();
        Assert.Equal(
        [
            "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added", "response.reasoning_text.delta",
            "response.reasoning_text.done", "response.content_part.done", "response.output_item.done", "response.output_text.delta",
            "response.output_text.done", "response.completed",
        ], kinds);
        Assert.Equal("in_progress", (string?)events[0].Data["response"]!["status"]);
        Assert.Equal(ScriptedModels.ThinkOn.Reasoning, string.Concat(events.Where(e => e.Name == "response.reasoning_text.delta").Select(e => (string?)e.Data["delta"])));
        Assert.Equal(ScriptedModels.ThinkOn.Answer, string.Concat(events.Where(e => e.Name == "response.output_text.delta").Select(e => (string?)e.Data["delta"])));
        var message = events.Where(e => e.Name == "response.output_item.added").Select(e => e.Data).Last();
        Assert.Equal(1, (int)message["output_index"]!);
        Assert.Equal("message", (string?)message["item"]!["type"]);
        var completed = events[^1].Data["response"]!;
        Assert.Equal("completed", (string?)completed["status"]);
        Assert.Equal("on", (string?)completed["think_mode"]);
        Assert.Equal(ScriptedModels.ThinkOn.Answer, (string?)completed["output"]![1]!["content"]![0]!["text"]);
    }

    [Fact]
    public async Task A_reasoning_summary_request_gets_the_reasoning_as_summary_too()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOn));
        var events = await StreamAsync(server, """{"input":"What is 17 times 23?","stream":true,"reasoning":{"summary":"detailed"}}""");

        Assert.Equal(ScriptedModels.ThinkOn.Reasoning, string.Concat(events.Where(e => e.Name == "response.reasoning_summary_text.delta").Select(e => (string?)e.Data["delta"])));
        Assert.Single(events, e => e.Name == "response.reasoning_summary_part.added");
        var reasoning = events[^1].Data["response"]!["output"]![0]!;
        Assert.Equal(ScriptedModels.ThinkOn.Reasoning, (string?)reasoning["summary"]![0]!["text"]);
        Assert.Equal("summary_text", (string?)reasoning["summary"]![0]!["type"]);
    }

    [Fact]
    public async Task A_reply_cut_by_max_output_tokens_is_incomplete()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.Endless));
        var (_, json) = await PostAsync(server, """{"input":"Go on","max_output_tokens":30}""");
        Assert.Equal("incomplete", (string?)json["status"]);
        Assert.Equal("max_output_tokens", (string?)json["incomplete_details"]!["reason"]);
        Assert.Equal(30, (int)json["usage"]!["output_tokens"]!);

        var events = await StreamAsync(server, """{"input":"Go on","max_output_tokens":30,"stream":true}""");
        Assert.Equal("response.incomplete", events[^1].Name);
        Assert.Equal("max_output_tokens", (string?)events[^1].Data["response"]!["incomplete_details"]!["reason"]);
    }

    [Fact]
    public async Task A_stream_cut_by_shutdown_ends_with_response_failed()
    {
        var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.Endless), "--Inference:DrainTimeoutSeconds=1");
        var reading = StreamAsync(server, """{"input":"Go on","max_output_tokens":10000,"stream":true}""");
        await server.WaitForAsync(s => s.RunningRequests == 1);

        await server.StopAsync();
        var events = await reading;
        Assert.Equal("response.failed", events[^1].Name);
        var failed = events[^1].Data["response"]!;
        Assert.Equal("failed", (string?)failed["status"]);
        Assert.Equal("server_error", (string?)failed["error"]!["code"]);
        Assert.Contains("shut down", (string?)failed["error"]!["message"]);
        // How far the reply got in the drain depends on the machine; whatever was open is closed as incomplete.
        Assert.All(failed["output"]!.AsArray(), item => Assert.Equal("incomplete", (string?)item!["status"]));
        await server.DisposeAsync();
    }

    [Fact]
    public async Task Function_tools_give_function_call_items_and_take_function_call_output_back()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ConformanceModels.ToolCaller));
        const string tools = """[{"type":"function","name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}]""";
        var (status, json) = await PostAsync(server, $$"""{"input":"Weather in Paris?","tools":{{tools}}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var call = Assert.Single(json["output"]!.AsArray())!;
        Assert.Equal("function_call", (string?)call["type"]);
        Assert.StartsWith("fc_", (string?)call["id"]);
        Assert.Equal("get_weather", (string?)call["name"]);
        Assert.Equal("Paris", (string?)JsonNode.Parse((string)call["arguments"]!)!["city"]);
        Assert.Equal("get_weather", (string?)json["tools"]![0]!["name"]);

        var callId = (string)call["call_id"]!;
        var (next, continued) = await PostAsync(server,
            $$"""{"previous_response_id":"{{json["id"]}}","tools":{{tools}},"input":[{"type":"function_call_output","call_id":"{{callId}}","output":"18 C"}]}""");
        Assert.Equal(HttpStatusCode.OK, next);
        Assert.Equal("completed", (string?)continued["status"]);

        var events = await StreamAsync(server, $$"""{"input":"Weather in Paris?","tools":{{tools}},"stream":true}""");
        var names = events.Select(e => e.Name).ToList();
        Assert.True(names.IndexOf("response.function_call_arguments.delta") < names.IndexOf("response.function_call_arguments.done"));
        var done = events.Single(e => e.Name == "response.function_call_arguments.done").Data;
        Assert.Equal("get_weather", (string?)done["name"]);
        Assert.Equal("Paris", (string?)JsonNode.Parse((string)done["arguments"]!)!["city"]);
    }

    [Fact]
    public async Task Text_format_json_schema_constrains_the_answer()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ConformanceModels.CityJson));
        var (status, json) = await PostAsync(server,
            """{"input":"Capital of France?","text":{"format":{"type":"json_schema","name":"city","strict":true,"schema":""" + ConformanceModels.CitySchema + "}}}");

        Assert.Equal(HttpStatusCode.OK, status);
        var answer = JsonNode.Parse((string)json["output"]![1]!["content"]![0]!["text"]!)!;
        Assert.Equal("Paris", (string?)answer["city"]);
        Assert.Equal("json_schema", (string?)json["text"]!["format"]!["type"]);
    }

    [Fact]
    public async Task A_stored_response_is_continued_retrieved_and_deleted()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff));
        var (_, first) = await PostAsync(server, """{"input":"Capital of France?","instructions":"Answer briefly.","metadata":{"ticket":"42"}}""");
        var id = (string)first["id"]!;

        var (_, second) = await PostAsync(server, $$"""{"input":"And of Italy?","instructions":"Answer briefly.","previous_response_id":"{{id}}"}""");
        Assert.Equal(id, (string?)second["previous_response_id"]);
        // The continuation's prompt starts with the first prompt up to its reply, which the prefix cache reuses.
        Assert.True((int)second["usage"]!["input_tokens_details"]!["cached_tokens"]! >= (int)first["usage"]!["input_tokens"]! - 8,
            $"cached {second["usage"]}; first prompt {first["usage"]}");
        Assert.True((int)second["usage"]!["input_tokens"]! > (int)first["usage"]!["input_tokens"]! + (int)first["usage"]!["output_tokens"]! / 2);

        var stored = await Sse.JsonAsync(await server.Http.GetAsync($"/v1/responses/{id}"));
        Assert.Equal(first.ToJsonString(), stored.ToJsonString());
        Assert.Equal("42", (string?)stored["metadata"]!["ticket"]);

        var deleted = await Sse.JsonAsync(await server.Http.DeleteAsync($"/v1/responses/{id}"));
        Assert.Equal("response.deleted", (string?)deleted["object"]);
        Assert.True((bool)deleted["deleted"]!);
        var gone = await server.Http.GetAsync($"/v1/responses/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Contains("not found", (string)(await Sse.JsonAsync(gone))["error"]!["message"]!);

        var (status, error) = await PostAsync(server, $$"""{"input":"Again?","previous_response_id":"{{id}}"}""");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("previous_response_id", (string?)error["error"]!["param"]);
        Assert.Equal("previous_response_not_found", (string?)error["error"]!["code"]);
    }

    [Fact]
    public async Task Item_references_name_the_output_items_of_stored_responses()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOn));
        var (_, first) = await PostAsync(server, """{"input":"What is 17 times 23?"}""");
        var output = first["output"]!.AsArray();
        var references = string.Join(",", output.Select(i => $$"""{"type":"item_reference","id":"{{i!["id"]}}"}"""));
        var (status, second) = await PostAsync(server, $$"""{"input":[{"role":"user","content":"What is 17 times 23?"},{{references}},{"role":"user","content":"And 17 times 24?"}]}""");
        var (_, explicitly) = await PostAsync(server, $$"""{"input":"And 17 times 24?","previous_response_id":"{{first["id"]}}"}""");

        Assert.Equal(HttpStatusCode.OK, status);
        // The referenced answer is in the prompt exactly as a continuation by previous_response_id puts it there.
        Assert.Equal((int)explicitly["usage"]!["input_tokens"]!, (int)second["usage"]!["input_tokens"]!);

        var (missing, error) = await PostAsync(server, """{"input":[{"type":"item_reference","id":"msg_unknown"}]}""");
        Assert.Equal(HttpStatusCode.NotFound, missing);
        Assert.Equal("input[0].id", (string?)error["error"]!["param"]);
        Assert.Equal("item_not_found", (string?)error["error"]!["code"]);
    }

    [Fact]
    public async Task Store_false_keeps_nothing()
    {
        var server = thinkOff.Server;
        var (_, json) = await PostAsync(server, """{"input":"Capital of France?","store":false}""");
        Assert.False((bool)json["store"]!);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Http.GetAsync($"/v1/responses/{json["id"]}")).StatusCode);
    }

    [Fact]
    public async Task Each_api_key_sees_only_its_own_responses()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff), "--Security:ApiKeys:0=key-a", "--Security:ApiKeys:1=key-b");
        var (_, json) = await PostAsync(server, """{"input":"Capital of France?"}""", "key-a");
        var id = (string)json["id"]!;

        var (status, error) = await PostAsync(server, $$"""{"input":"More?","previous_response_id":"{{id}}"}""", "key-b");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("previous_response_not_found", (string?)error["error"]!["code"]);
        using var get = new HttpRequestMessage(HttpMethod.Get, $"/v1/responses/{id}") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "key-b") } };
        Assert.Equal(HttpStatusCode.NotFound, (await server.Http.SendAsync(get)).StatusCode);
        var (own, _) = await PostAsync(server, $$"""{"input":"More?","previous_response_id":"{{id}}"}""", "key-a");
        Assert.Equal(HttpStatusCode.OK, own);
    }

    [Fact]
    public async Task The_store_keeps_at_most_MaxStored_responses()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff), "--Responses:MaxStored=1");
        var (_, first) = await PostAsync(server, """{"input":"One"}""");
        var (_, second) = await PostAsync(server, """{"input":"Two"}""");
        Assert.Equal(HttpStatusCode.NotFound, (await server.Http.GetAsync($"/v1/responses/{first["id"]}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync($"/v1/responses/{second["id"]}")).StatusCode);
    }

    public static TheoryData<string, string?, string> BadRequests => new()
    {
        { """{}""", "input", "missing_required_parameter" },
        { """{"input":42}""", "input", "invalid_type" },
        { """{"input":[]}""", "input", "empty_array" },
        { """{"input":[{"type":"web_search_call","id":"ws_1"}]}""", "input[0].type", "unsupported_item_type" },
        { """{"input":[{"role":"robot","content":"x"}]}""", "input[0].role", "invalid_value" },
        { """{"input":[{"role":"user","content":[{"type":"input_image","image_url":"x"}]}]}""", "input[0].content[0].type", "unsupported_content_type" },
        { """{"input":[{"type":"function_call","call_id":"c","name":"f","arguments":"not json"}]}""", "input[0].arguments", "invalid_value" },
        { """{"input":[{"type":"function_call_output","output":"x"}]}""", "input[0].call_id", "missing_required_parameter" },
        { """{"input":"x","tools":[{"type":"web_search"}]}""", "tools[0].type", "unsupported_tool_type" },
        { """{"input":"x","tools":[{"type":"file_search","vector_store_ids":["v"]}]}""", "tools[0].type", "unsupported_tool_type" },
        { """{"input":"x","tools":[{"type":"function","name":"bad name"}]}""", "tools[0].name", "invalid_value" },
        { """{"input":"x","tools":[{"type":"function","name":"f"}],"tool_choice":{"type":"function","name":"g"}}""", "tool_choice.name", "invalid_value" },
        { """{"input":"x","tool_choice":{"type":"web_search_preview"}}""", "tool_choice.type", "unsupported_tool_type" },
        { """{"input":"x","max_output_tokens":0}""", "max_output_tokens", "invalid_value" },
        { """{"input":"x","max_output_tokens":1000000}""", "max_output_tokens", "context_length_exceeded" },
        { """{"input":"x","temperature":3}""", "temperature", "invalid_value" },
        { """{"input":"x","top_p":0}""", "top_p", "invalid_value" },
        { """{"input":"x","reasoning":{"effort":"extreme"}}""", "reasoning.effort", "invalid_value" },
        { """{"input":"x","reasoning":{"summary":"long"}}""", "reasoning.summary", "invalid_value" },
        { """{"input":"x","reasoning":{"effort":"none"},"think_mode":"on"}""", "reasoning.effort", "conflicting_think_mode" },
        { """{"input":"x","text":{"format":{"type":"xml"}}}""", "text.format.type", "invalid_value" },
        { """{"input":"x","text":{"format":{"type":"json_schema","name":"n"}}}""", "text.format.schema", "missing_required_parameter" },
        { """{"input":"x","include":["file_search_call.results"]}""", "include[0]", "invalid_value" },
        { """{"input":"x","background":true}""", "background", "unsupported_parameter" },
        { """{"input":"x","conversation":"conv_1"}""", "conversation", "unsupported_parameter" },
        { """{"input":"x","stream_options":{"include_obfuscation":false}}""", "stream_options", "invalid_value" },
        { """{"input":"x","truncation":"middle"}""", "truncation", "invalid_value" },
        { """{"input":"x","stop":["a","b","c","d","e"]}""", "stop", "invalid_value" },
        { """{"input":"x","max_reasoning_tokens":0}""", "max_reasoning_tokens", "invalid_value" },
        { """{"input":"x","metadata":{"k":5}}""", "metadata.k", "invalid_type" },
        { """{"input":"x","seed":"s"}""", "seed", "invalid_type" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task A_bad_request_is_refused_with_400_naming_the_field(string body, string? param, string code)
    {
        var (status, json) = await PostAsync(thinkOff.Server, body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = json["error"]!;
        Assert.Equal("invalid_request_error", (string?)error["type"]);
        Assert.Equal(param, (string?)error["param"]);
        Assert.Equal(code, (string?)error["code"]);
        Assert.False(string.IsNullOrEmpty((string?)error["message"]));
    }

    [Fact]
    public async Task An_unknown_model_is_404()
    {
        var (status, json) = await PostAsync(thinkOff.Server, """{"model":"gpt-9","input":"x"}""");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("model_not_found", (string?)json["error"]!["code"]);
    }
}
