namespace HiPO.Server.Tests.Api;

/// <summary>llama-server's <c>/tokenize</c> and <c>/detokenize</c> on the served model's tokenizer.</summary>
public sealed class TokenizeTests : IAsyncLifetime
{
    private const string MultiByteText = "你好，世界！ Here is a smile: 😀 and goodbye.";
    private RunningServer _server = null!;

    public async Task InitializeAsync() => _server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.MultiByte));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<JsonObject> PostAsync(string path, object body)
    {
        var response = await _server.Http.PostAsJsonAsync(path, body);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await Sse.JsonAsync(response);
    }

    private async Task<int[]> TokenizeAsync(object body) =>
        [.. (await PostAsync("/tokenize", body))["tokens"]!.AsArray().Select(t => (int)t!)];

    [Fact]
    public async Task Multi_byte_text_survives_a_round_trip()
    {
        var tokens = await TokenizeAsync(new { content = MultiByteText });
        var text = await PostAsync("/detokenize", new { tokens });

        // The scripted vocabulary has no merges, so text tokenizes to one byte token per UTF-8 byte.
        Assert.Equal(Encoding.UTF8.GetByteCount(MultiByteText), tokens.Length);
        Assert.Equal(MultiByteText, (string?)text["content"]);
    }

    [Fact]
    public async Task Pieces_are_strings_or_the_bytes_of_a_split_character()
    {
        var json = await PostAsync("/tokenize", new { content = "a😀", with_pieces = true });
        var pieces = json["tokens"]!.AsArray().Select(t => t!.AsObject()).ToList();

        Assert.Equal(5, pieces.Count);
        Assert.Equal("a", (string?)pieces[0]["piece"]);
        Assert.All(pieces, p => Assert.True(p.ContainsKey("id")));
        var bytes = pieces.Skip(1).SelectMany(p => p["piece"]!.AsArray().Select(b => (byte)(int)b!)).ToArray();
        Assert.Equal(Encoding.UTF8.GetBytes("😀"), bytes);
        Assert.Equal(await TokenizeAsync(new { content = "a😀" }), pieces.Select(p => (int)p["id"]!));
    }

    [Fact]
    public async Task Control_tokens_are_parsed_unless_parse_special_is_false()
    {
        var parsed = await TokenizeAsync(new { content = "<|im_end|>" });
        var plain = await TokenizeAsync(new { content = "<|im_end|>", parse_special = false });
        var tag = await PostAsync("/tokenize", new { content = "<answer>", with_pieces = true });

        Assert.Single(parsed);
        Assert.Equal("<|im_end|>".Length, plain.Length);
        Assert.Equal("<answer>", (string?)Assert.Single(tag["tokens"]!.AsArray())!["piece"]);
        Assert.Equal("x<|im_end|>", (string?)(await PostAsync("/detokenize", new { tokens = (int[])[.. await TokenizeAsync(new { content = "x" }), .. parsed] }))["content"]);
    }

    [Fact]
    public async Task Add_special_adds_nothing_to_a_model_without_a_BOS()
    {
        Assert.Equal(await TokenizeAsync(new { content = "hi" }), await TokenizeAsync(new { content = "hi", add_special = true }));
        Assert.Empty(await TokenizeAsync(new { content = "" }));
        Assert.Empty(await TokenizeAsync(new { content = "", add_special = true }));
        Assert.Equal("", (string?)(await PostAsync("/detokenize", new { tokens = Array.Empty<int>() }))["content"]);
    }

    public static TheoryData<string, string, string, string?, string?> BadRequests => new()
    {
        { "no content", "/tokenize", "{}", "content", "missing_required_parameter" },
        { "content a number", "/tokenize", """{"content":5}""", "content", "invalid_type" },
        { "with_pieces a string", "/tokenize", """{"content":"a","with_pieces":"yes"}""", "with_pieces", "invalid_type" },
        { "no tokens", "/detokenize", "{}", "tokens", "missing_required_parameter" },
        { "tokens a string", "/detokenize", """{"tokens":"abc"}""", "tokens", "invalid_type" },
        { "an id past the vocabulary", "/detokenize", """{"tokens":[1,99999999]}""", "tokens", "invalid_value" },
        { "a negative id", "/detokenize", """{"tokens":[-1]}""", "tokens", "invalid_value" },
        { "not JSON", "/detokenize", "tokens", null, "invalid_json" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_requests_get_an_openai_error(string why, string path, string body, string? param, string? code)
    {
        var response = await _server.Http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{why}: got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var error = (await Sse.JsonAsync(response))["error"]!;
        Assert.Equal(param, (string?)error["param"]);
        Assert.Equal(code, (string?)error["code"]);
    }

    [Fact]
    public async Task The_endpoints_are_in_the_OpenAPI_document()
    {
        var document = await _server.Http.GetStringAsync("/openapi/v1.json");

        Assert.Contains("\"/tokenize\"", document);
        Assert.Contains("\"/detokenize\"", document);
        Assert.Contains("\"/v1/completions\"", document);
    }
}
