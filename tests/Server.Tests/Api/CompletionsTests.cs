namespace HiPO.Server.Tests.Api;

/// <summary>
/// Legacy completions (<c>POST /v1/completions</c>) through the real server: the raw prompt is continued as is and the whole
/// output is the text, so a prompt ending in "\n" gets exactly the scripted reply, HiPO tags and all.
/// </summary>
public sealed class CompletionsTests
{
    private static JsonObject Prompt(object prompt, object? extra = null) => Body.Merge(new { prompt, max_tokens = 200 }, extra);

    private static async Task<JsonObject> CompleteAsync(RunningServer server, JsonObject body)
    {
        var response = await server.Http.PostAsJsonAsync("/v1/completions", body);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await Sse.JsonAsync(response);
    }

    private static async Task<List<JsonObject>> StreamAsync(RunningServer server, JsonObject body)
    {
        body["stream"] = true;
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = JsonContent.Create(body) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        var response = await server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var chunks = await Sse.ReadChunksAsync(response);
        Assert.All(chunks, c => Assert.Equal("text_completion", (string?)c["object"]));
        return chunks;
    }

    private static string TextOf(IEnumerable<JsonObject> chunks, int choice = 0) =>
        string.Concat(chunks.SelectMany(c => c["choices"]!.AsArray()).Where(c => (int)c!["index"]! == choice).Select(c => (string?)c!["text"]));

    private static JsonObject Choice(JsonObject completion, int index = 0) => completion["choices"]![index]!.AsObject();

    private static async Task AssertRefusedNamingPromptAsync(HttpResponseMessage response, string code)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await Sse.JsonAsync(response))["error"]!;
        Assert.Equal("prompt", (string?)error["param"]);
        Assert.Equal(code, (string?)error["code"]);
    }

    [Fact]
    public async Task A_raw_prompt_is_continued_as_is()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.Malformed));
        var json = await CompleteAsync(server, Prompt("Say something.\n"));

        Assert.Equal("text_completion", (string?)json["object"]);
        Assert.StartsWith("cmpl-", (string?)json["id"]);
        Assert.Equal("scripted-malformed", (string?)json["model"]);
        var choice = Choice(json);
        Assert.Equal(ScriptedModels.Malformed.Reply.Text, (string?)choice["text"]);
        Assert.Equal("stop", (string?)choice["finish_reason"]);
        Assert.True(choice.ContainsKey("logprobs"));
        Assert.Null(choice["logprobs"]);

        var usage = json["usage"]!;
        Assert.Equal(ScriptedModels.Malformed.Reply.TokenCount, (int)usage["completion_tokens"]!);
        Assert.Equal("Say something.\n".Length, (int)usage["prompt_tokens"]!);
        Assert.Equal((int)usage["prompt_tokens"]! + (int)usage["completion_tokens"]!, (int)usage["total_tokens"]!);
        Assert.NotNull(json["timings"]);
    }

    [Fact]
    public async Task A_HiPO_reply_is_not_parsed()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOn));
        var json = await CompleteAsync(server, Prompt("<|im_start|>assistant\n<judge>\n"));

        var text = (string?)Choice(json)["text"];
        Assert.Equal(ScriptedModels.ThinkOn.Reply.Text, text);
        Assert.Contains("<think_on>", text);
        Assert.Contains("</answer>", text);
        Assert.Null(Choice(json)["message"]);
        Assert.Equal(ScriptedModels.ThinkOn.Reply.TokenCount, (int)json["usage"]!["completion_tokens"]!);
        Assert.Equal(0, (int)json["usage"]!["completion_tokens_details"]!["reasoning_tokens"]!);
    }

    [Fact]
    public async Task Streamed_text_equals_the_whole_text_and_ends_with_the_finish_and_usage()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff));
        var chunks = await StreamAsync(server, Prompt("\n", new { stream_options = new { include_usage = true } }));

        Assert.Equal(ScriptedModels.ThinkOff.Reply.Text, TextOf(chunks));
        var pieces = chunks.Count(c => c["choices"]!.AsArray().Count > 0 && ((string?)c["choices"]![0]!["text"])!.Length > 0);
        Assert.True(pieces >= 5, $"The text came in {pieces} chunks; tokens are being buffered.");
        Assert.All(chunks.SkipLast(1), c => Assert.Null(c["usage"]));

        var finish = chunks[^2];
        Assert.Equal("stop", (string?)finish["choices"]![0]!["finish_reason"]);
        Assert.Equal("", (string?)finish["choices"]![0]!["text"]);
        Assert.NotNull(finish["timings"]);
        var usage = chunks[^1];
        Assert.Empty(usage["choices"]!.AsArray());
        Assert.Equal(ScriptedModels.ThinkOff.Reply.TokenCount, (int)usage["usage"]!["completion_tokens"]!);
    }

    [Fact]
    public async Task Multi_byte_characters_split_across_tokens_arrive_whole()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.MultiByte));

        Assert.Equal(ScriptedModels.MultiByte.Reply.Text, (string?)Choice(await CompleteAsync(server, Prompt("\n")))["text"]);
        Assert.Equal(ScriptedModels.MultiByte.Reply.Text, TextOf(await StreamAsync(server, Prompt("\n"))));
    }

    [Fact]
    public async Task Max_tokens_defaults_to_16_as_in_OpenAI()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.Endless));
        var json = await CompleteAsync(server, new JsonObject { ["prompt"] = "\n" });

        Assert.Equal("length", (string?)Choice(json)["finish_reason"]);
        Assert.Equal(16, (int)json["usage"]!["completion_tokens"]!);
        Assert.Equal(ScriptedModels.Endless.Reply.TextOfFirst(16), (string?)Choice(json)["text"]);
    }

    [Fact]
    public async Task Max_tokens_ends_the_text_with_length_whole_or_streamed()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.Endless));
        var json = await CompleteAsync(server, Prompt("\n", new { max_tokens = 30 }));
        var chunks = await StreamAsync(server, Prompt("\n", new { max_tokens = 30 }));

        Assert.Equal("length", (string?)Choice(json)["finish_reason"]);
        Assert.Equal(30, (int)json["usage"]!["completion_tokens"]!);
        Assert.Equal(ScriptedModels.Endless.Reply.TextOfFirst(30), (string?)Choice(json)["text"]);
        Assert.Equal(ScriptedModels.Endless.Reply.TextOfFirst(30), TextOf(chunks));
        Assert.Equal("length", (string?)chunks[^1]["choices"]![0]!["finish_reason"]);
    }

    [Fact]
    public async Task A_stop_string_ends_the_text_before_it()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.Malformed));
        var json = await CompleteAsync(server, Prompt("\n", new { stop = new[] { "nothing", "HiPO" } }));
        var chunks = await StreamAsync(server, Prompt("\n", new { stop = "HiPO" }));

        Assert.Equal("This reply ignores the ", (string?)Choice(json)["text"]);
        Assert.Equal("stop", (string?)Choice(json)["finish_reason"]);
        Assert.Equal("This reply ignores the ", TextOf(chunks));
        Assert.Equal("stop", (string?)chunks[^1]["choices"]![0]!["finish_reason"]);
    }

    [Fact]
    public async Task N_choices_each_get_the_whole_text()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.Malformed));
        var json = await CompleteAsync(server, Prompt("\n", new { n = 2, best_of = 2, temperature = 1.5, seed = 7 }));
        var chunks = await StreamAsync(server, Prompt("\n", new { n = 2 }));

        var choices = json["choices"]!.AsArray();
        Assert.Equal([0, 1], choices.Select(c => (int)c!["index"]!));
        Assert.All(choices, c => Assert.Equal(ScriptedModels.Malformed.Reply.Text, (string?)c!["text"]));
        Assert.All(choices, c => Assert.Equal("stop", (string?)c!["finish_reason"]));
        Assert.Equal(2 * ScriptedModels.Malformed.Reply.TokenCount, (int)json["usage"]!["completion_tokens"]!);
        Assert.Equal(ScriptedModels.Malformed.Reply.Text, TextOf(chunks, 0));
        Assert.Equal(ScriptedModels.Malformed.Reply.Text, TextOf(chunks, 1));
    }

    [Fact]
    public async Task Logprobs_come_in_the_legacy_shape()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.Malformed));
        var json = await CompleteAsync(server, Prompt("\n", new { logprobs = 2 }));
        var choice = Choice(json);
        var text = (string)choice["text"]!;
        var logprobs = choice["logprobs"]!;

        var tokens = logprobs["tokens"]!.AsArray().Select(t => (string)t!).ToList();
        var tokenLogprobs = logprobs["token_logprobs"]!.AsArray().Select(t => (float)t!).ToList();
        var top = logprobs["top_logprobs"]!.AsArray().Select(t => t!.AsObject()).ToList();
        var offsets = logprobs["text_offset"]!.AsArray().Select(t => (int)t!).ToList();
        // Every generated token but the end-of-generation one, which writes no text.
        Assert.Equal(ScriptedModels.Malformed.Reply.TokenCount - 1, tokens.Count);
        Assert.Equal(text, string.Concat(tokens));
        Assert.Equal(tokens.Count, tokenLogprobs.Count);
        Assert.Equal(tokens.Count, top.Count);
        Assert.Equal(tokens.Count, offsets.Count);
        Assert.All(tokenLogprobs, l => Assert.InRange(l, -0.01f, 0f));
        for (var i = 0; i < tokens.Count; i++)
        {
            Assert.InRange(top[i].Count, 1, 3);
            Assert.True(top[i].ContainsKey(tokens[i]), $"top_logprobs[{i}] lacks the sampled token '{tokens[i]}'.");
            Assert.Equal(text.IndexOf(tokens[i], offsets[i], StringComparison.Ordinal), offsets[i]);
        }
        Assert.Equal(0, offsets[0]);

        var chunks = await StreamAsync(server, Prompt("\n", new { logprobs = 0 }));
        var pieces = chunks.SelectMany(c => c["choices"]!.AsArray()).Where(c => ((string?)c!["text"])!.Length > 0).ToList();
        Assert.All(pieces, p => Assert.Equal(p!["text"]!.GetValue<string>(), string.Concat(p["logprobs"]!["tokens"]!.AsArray().Select(t => (string)t!))));
        Assert.All(pieces, p => Assert.Single(p!["logprobs"]!["top_logprobs"]![0]!.AsObject()));
        Assert.Equal(offsets, pieces.Select(p => (int)p!["logprobs"]!["text_offset"]![0]!));
    }

    [Fact]
    public async Task Echo_puts_the_prompt_before_the_text()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.Malformed));
        var json = await CompleteAsync(server, Prompt("Echo me\n", new { echo = true }));
        var chunks = await StreamAsync(server, Prompt("Echo me\n", new { echo = true }));

        Assert.Equal("Echo me\n" + ScriptedModels.Malformed.Reply.Text, (string?)Choice(json)["text"]);
        Assert.Equal("Echo me\n", (string?)chunks[0]["choices"]![0]!["text"]);
        Assert.Equal("Echo me\n" + ScriptedModels.Malformed.Reply.Text, TextOf(chunks));
    }

    [Fact]
    public async Task Control_tokens_in_the_prompt_are_parsed_like_llama_server()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff));
        const string prompt = "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<judge>\n";
        var json = await CompleteAsync(server, Prompt(prompt));
        var tokenized = await Sse.JsonAsync(await server.Http.PostAsJsonAsync("/tokenize", new { content = prompt }));

        Assert.Equal(ScriptedModels.ThinkOff.Reply.Text, (string?)Choice(json)["text"]);
        Assert.Equal(tokenized["tokens"]!.AsArray().Count, (int)json["usage"]!["prompt_tokens"]!);
        // Text tokenizes to bytes here; the four control tokens and tags are one token each.
        Assert.Equal(prompt.Length - "<|im_start|><|im_end|><|im_start|><judge>".Length + 4, (int)json["usage"]!["prompt_tokens"]!);
    }

    [Fact]
    public async Task A_prompt_of_token_ids_is_the_text_they_spell()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.Malformed));
        var ids = (await Sse.JsonAsync(await server.Http.PostAsJsonAsync("/tokenize", new { content = "Go<|im_end|>\n" })))["tokens"]!.AsArray();

        var bare = await CompleteAsync(server, Prompt(ids.DeepClone(), new { echo = true }));
        var nested = await CompleteAsync(server, Prompt(new JsonArray(ids.DeepClone())));
        var single = await CompleteAsync(server, Prompt(new[] { "Go<|im_end|>\n" }));

        Assert.Equal("Go<|im_end|>\n" + ScriptedModels.Malformed.Reply.Text, (string?)Choice(bare)["text"]);
        Assert.Equal(ids.Count, (int)bare["usage"]!["prompt_tokens"]!);
        Assert.Equal(ScriptedModels.Malformed.Reply.Text, (string?)Choice(nested)["text"]);
        Assert.Equal(ScriptedModels.Malformed.Reply.Text, (string?)Choice(single)["text"]);
    }

    [Fact]
    public async Task Token_ids_the_tokenizer_would_not_produce_are_refused_not_altered()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.Malformed));
        // The scripted vocabulary has no merges, so text always tokenizes to bytes; its last token is a generated word.
        var word = server.Engine.VocabularySize - 1;
        var response = await server.Http.PostAsJsonAsync("/v1/completions", new { prompt = new[] { word, 10 } });

        await AssertRefusedNamingPromptAsync(response, "unsupported_value");
    }

    [Fact]
    public async Task A_prompt_over_the_context_names_prompt()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.Malformed), "--Model:ContextSize=512");
        var response = await server.Http.PostAsJsonAsync("/v1/completions", new { prompt = new string('a', 600) + "\n" });

        await AssertRefusedNamingPromptAsync(response, "context_length_exceeded");
    }

    [Fact]
    public async Task Completion_tokens_count_against_the_tokens_per_minute_limit()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.Malformed),
            "--Security:ApiKeys:0=sk-a", "--Security:RateLimit:TokensPerMinute=10");

        Task<HttpResponseMessage> PostAsync() => server.Http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = JsonContent.Create(new { prompt = "\n" }),
            Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "sk-a") },
        });

        Assert.Equal(HttpStatusCode.OK, (await PostAsync()).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await PostAsync()).StatusCode);
    }

    [Fact]
    public async Task Completions_are_counted_in_the_metrics_without_a_think_decision()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.Malformed));
        await CompleteAsync(server, Prompt("\n"));
        await server.Http.PostAsync("/v1/completions", new StringContent("{}", Encoding.UTF8, "application/json"));

        // Test classes run in parallel and share the meter's name, so other servers' counts may add to these.
        var metrics = await PrometheusText.ReadAsync(server);
        Assert.True(metrics.Value("hipo_requests_total", ("endpoint", "/v1/completions"), ("status", "200")) >= 1);
        Assert.True(metrics.Value("hipo_requests_total", ("endpoint", "/v1/completions"), ("status", "400")) >= 1);
        Assert.True(metrics.Value("hipo_generated_tokens_total") >= ScriptedModels.Malformed.Reply.TokenCount);
        Assert.DoesNotContain(metrics.Samples, s => s.Name == "hipo_think_decisions_total" && s.Labels.GetValueOrDefault("source") == "raw");
    }
}

/// <summary>Bad legacy completion requests get OpenAI's error body naming the field; the sampling fields are checked as in chat.</summary>
public sealed class CompletionsValidationTests : IAsyncLifetime
{
    private RunningServer _server = null!;

    public async Task InitializeAsync() => _server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.Malformed));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public static TheoryData<string, string, int, string?, string?> BadRequests => new()
    {
        { "no prompt", """{"max_tokens":5}""", 400, "prompt", "missing_required_parameter" },
        { "null prompt", """{"prompt":null}""", 400, "prompt", "missing_required_parameter" },
        { "empty prompt", """{"prompt":""}""", 400, "prompt", "invalid_value" },
        { "empty prompt array", """{"prompt":[]}""", 400, "prompt", "invalid_value" },
        { "empty token array", """{"prompt":[[]]}""", 400, "prompt", "invalid_value" },
        { "prompt a number", """{"prompt":42}""", 400, "prompt", "invalid_type" },
        { "prompt an object", """{"prompt":{"text":"hi"}}""", 400, "prompt", "invalid_type" },
        { "prompt mixing text and ids", """{"prompt":["hi",1]}""", 400, "prompt", "invalid_type" },
        { "prompt with a fractional id", """{"prompt":[1.5]}""", 400, "prompt", "invalid_type" },
        { "a batch of prompts", """{"prompt":["one","two"]}""", 400, "prompt", "unsupported_value" },
        { "a batch of token prompts", """{"prompt":[[1],[2]]}""", 400, "prompt", "unsupported_value" },
        { "a token id out of the vocabulary", """{"prompt":[10,99999999]}""", 400, "prompt", "invalid_value" },
        { "a negative token id", """{"prompt":[-1]}""", 400, "prompt", "invalid_value" },
        { "echo with logprobs", """{"prompt":"hi","echo":true,"logprobs":1}""", 400, "echo", "unsupported_value" },
        { "echo a string", """{"prompt":"hi","echo":"yes"}""", 400, "echo", "invalid_type" },
        { "suffix", """{"prompt":"def f(","suffix":"return x"}""", 400, "suffix", "unsupported_value" },
        { "best_of above n", """{"prompt":"hi","best_of":3}""", 400, "best_of", "unsupported_value" },
        { "best_of below n", """{"prompt":"hi","n":2,"best_of":1}""", 400, "best_of", "unsupported_value" },
        { "logprobs above 5", """{"prompt":"hi","logprobs":6}""", 400, "logprobs", "invalid_value" },
        { "logprobs negative", """{"prompt":"hi","logprobs":-1}""", 400, "logprobs", "invalid_value" },
        { "logprobs a boolean (the chat form)", """{"prompt":"hi","logprobs":true}""", 400, "logprobs", "invalid_type" },
        { "max_tokens zero", """{"prompt":"hi","max_tokens":0}""", 400, "max_tokens", "invalid_value" },
        { "max_tokens over the context", """{"prompt":"hi","max_tokens":10000000}""", 400, "max_tokens", "context_length_exceeded" },
        { "temperature above 2", """{"prompt":"hi","temperature":2.5}""", 400, "temperature", "invalid_value" },
        { "top_p zero", """{"prompt":"hi","top_p":0}""", 400, "top_p", "invalid_value" },
        { "n zero", """{"prompt":"hi","n":0}""", 400, "n", "invalid_value" },
        { "too many stops", """{"prompt":"hi","stop":["a","b","c","d","e"]}""", 400, "stop", "invalid_value" },
        { "stop a number", """{"prompt":"hi","stop":5}""", 400, "stop", "invalid_type" },
        { "logit_bias key not a token", """{"prompt":"hi","logit_bias":{"abc":1}}""", 400, "logit_bias", "invalid_value" },
        { "presence_penalty above 2", """{"prompt":"hi","presence_penalty":3}""", 400, "presence_penalty", "invalid_value" },
        { "stream_options without stream", """{"prompt":"hi","stream_options":{"include_usage":true}}""", 400, "stream_options", "invalid_value" },
        { "truncated JSON", """{"prompt":"hi" """, 400, null, "invalid_json" },
        { "unknown model", """{"model":"gpt-3.5-turbo-instruct","prompt":"hi"}""", 404, "model", "model_not_found" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_requests_get_an_openai_error(string why, string body, int status, string? param, string? code)
    {
        var response = await _server.Http.PostAsync("/v1/completions", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.True(status == (int)response.StatusCode, $"{why}: got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var error = (await Sse.JsonAsync(response))["error"]!.AsObject();
        Assert.False(string.IsNullOrWhiteSpace((string?)error["message"]));
        Assert.Equal(param, (string?)error["param"]);
        Assert.Equal(code, (string?)error["code"]);
        var idle = await _server.WaitForAsync(s => s.RunningRequests == 0 && s.QueuedRequests == 0);
        Assert.Equal(idle.KvCellsCached, idle.KvCellsUsed);
    }

    [Fact]
    public async Task Accepted_fields_that_change_nothing_here_are_accepted()
    {
        var body = """{"model":"scripted-malformed","prompt":"\n","echo":false,"suffix":null,"best_of":1,"user":"u1","logprobs":null,"max_tokens":100}""";
        var response = await _server.Http.PostAsync("/v1/completions", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ScriptedModels.Malformed.Reply.Text, (string?)(await Sse.JsonAsync(response))["choices"]![0]!["text"]);
    }
}
