namespace HiPO.Server.Tests.StructuredOutput;

/// <summary>
/// Every corpus schema, sent as response_format and as tool parameters, to the real server with a scripted model that
/// would write prose: under the grammar it writes random valid output, which exercises the grammar far more than a
/// real model would. Every reply that ends with "stop" must parse and validate (JsonSchema.Net, formats asserted);
/// only "length" may cut one short.
/// </summary>
public sealed class StructuredOutputCorpusTests : IAsyncLifetime
{
    private const int Choices = 3;
    private RunningServer _server = null!;
    private JsonObject _asciiOnly = null!;

    public async Task InitializeAsync()
    {
        _server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff));
        // Strings stay ASCII here (every byte token that starts a multi-byte character is banned): the random walk would
        // otherwise pick overlong or out-of-range UTF-8, which llama.cpp's grammar decodes leniently and the server's
        // decoder does not (a check the sampler does not make yet), and combining marks, which JsonSchema.Net
        // counts as part of the character before them, where JSON Schema counts code points as the grammar does.
        var response = await _server.Http.PostAsJsonAsync("/tokenize", new { content = "A" });
        var byteZero = (int)(await Sse.JsonAsync(response))["tokens"]![0]! - 'A';
        _asciiOnly = new JsonObject();
        foreach (var lead in Enumerable.Range(0xC0, 64))
            _asciiOnly[(byteZero + lead).ToString(System.Globalization.CultureInfo.InvariantCulture)] = -100;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private JsonObject Ask(int seed) => Body.Merge(new
    {
        messages = new[] { new { role = "user", content = "Fill in the form." } },
        think_mode = "off",
        n = Choices,
        temperature = 1.0,
        seed,
        max_tokens = 400,
        logit_bias = _asciiOnly,
    }, null);

    [Theory]
    [MemberData(nameof(SchemaCorpus.Indexes), MemberType = typeof(SchemaCorpus))]
    public async Task Every_stop_reply_to_a_corpus_schema_parses_and_validates(int index)
    {
        var entry = SchemaCorpus.All[index];
        var body = Ask(seed: 11 + index);
        body["response_format"] = new JsonObject
        {
            ["type"] = "json_schema",
            ["json_schema"] = new JsonObject { ["name"] = "corpus", ["strict"] = true, ["schema"] = entry.Schema.DeepClone() },
        };
        var response = await _server.PostChatAsync(body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var choices = (await Sse.JsonAsync(response))["choices"]!.AsArray();

        Assert.Equal(Choices, choices.Count);
        foreach (var choice in choices)
        {
            var reason = (string?)choice!["finish_reason"];
            Assert.Contains(reason, new[] { "stop", "length" });
            if (reason == "stop")
                AssertValid(entry, (string)choice["message"]!["content"]!);
        }
    }

    [Theory]
    [MemberData(nameof(SchemaCorpus.Indexes), MemberType = typeof(SchemaCorpus))]
    public async Task Required_tool_calls_with_corpus_parameters_are_tool_calls_whose_arguments_validate(int index)
    {
        var entry = SchemaCorpus.All[index];
        var body = Ask(seed: 101 + index);
        body["tools"] = new JsonArray(new JsonObject
        {
            ["type"] = "function",
            ["function"] = new JsonObject { ["name"] = "submit", ["description"] = entry.Name, ["parameters"] = entry.Schema.DeepClone() },
        });
        body["tool_choice"] = "required";
        body["parallel_tool_calls"] = false;
        var response = await _server.PostChatAsync(body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        foreach (var choice in (await Sse.JsonAsync(response))["choices"]!.AsArray())
        {
            var message = choice!["message"]!;
            Assert.DoesNotContain("<tool_call>", (string?)message["content"] ?? "");
            if ((string?)choice["finish_reason"] == "length")
                continue;
            Assert.Equal("tool_calls", (string?)choice["finish_reason"]);
            var call = Assert.Single(message["tool_calls"]!.AsArray())!;
            Assert.Equal("submit", (string?)call["function"]!["name"]);
            AssertValid(entry, (string)call["function"]!["arguments"]!);
        }
    }

    private static void AssertValid(CorpusSchema entry, string json)
    {
        if (SchemaValidator.Problem(entry.Schema, json) is { } problem)
            Assert.Fail($"{entry}: {problem}");
    }
}
