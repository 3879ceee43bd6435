namespace HiPO.Server.Tests.Api;

/// <summary>Forcing, capping and reporting HiPO's think mode per request, streamed and not.</summary>
public sealed class ThinkModeControlTests
{
    /// <summary>A model that answers directly on its own, but can reason when a request forces think-on.</summary>
    internal static readonly ScriptedFixture Forceable = new(
        new ScriptedModelBuilder("scripted-forceable")
            .Chain(after: "\n", ["Simple", " enough.\n", "</judge>", "\n\n", "<think_off>", "<answer>", "\nDirect", " answer.\n", "</answer>", "<|im_end|>"])
            .Chain(after: "<think>", ["\nLet", " me", " reason.\n", "</think>", "<answer>"]),
        judge: "Simple enough.", reasoning: "Let me reason.", answer: "Direct answer.");

    private static JsonObject Ask(object? extra = null) =>
        Body.Merge(new { messages = new[] { new { role = "user", content = "What is 17 times 23?" } } }, extra);

    /// <summary>One request, <see cref="Ask"/> with <paramref name="extra"/>, to a fresh server of <paramref name="model"/>.</summary>
    private static async Task<ChatResult> AskAsync(ScriptedFixture model, object? extra, bool stream, params string[] settings)
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(model), settings);
        return await ChatResult.RequestAsync(server, Ask(extra), stream);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Forcing_off_a_model_that_would_think_skips_the_reasoning(bool stream)
    {
        var result = await AskAsync(ScriptedModels.ThinkOn, new { think_mode = "off" }, stream);

        Assert.Equal(ScriptedModels.ThinkOn.Answer, result.Content);
        Assert.Null(result.Reasoning);
        Assert.Equal("off", result.ThinkMode);
        Assert.Equal("request", result.ThinkModeSource);
        Assert.Null(result.ThinkModeReason);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Forcing_on_a_model_that_would_answer_directly_makes_it_reason(bool stream)
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(Forceable));
        var auto = await ChatResult.RequestAsync(server, Ask(), stream);
        Assert.Equal("off", auto.ThinkMode);
        Assert.Equal("model", auto.ThinkModeSource);

        var forced = await ChatResult.RequestAsync(server, Ask(new { think_mode = "on" }), stream);
        Assert.Equal("Let me reason.", forced.Reasoning);
        Assert.Equal("Direct answer.", forced.Content);
        Assert.Equal("on", forced.ThinkMode);
        Assert.Equal("request", forced.ThinkModeSource);
    }

    public static TheoryData<string, string, bool> Aliases => new()
    {
        { """{"reasoning_effort":"none"}""", "off", false },
        { """{"reasoning_effort":"minimal"}""", "off", true },
        { """{"reasoning_effort":"low"}""", "on", false },
        { """{"reasoning_effort":"medium"}""", "on", true },
        { """{"reasoning_effort":"high"}""", "on", false },
        { """{"chat_template_kwargs":{"enable_thinking":false}}""", "off", true },
        { """{"chat_template_kwargs":{"enable_thinking":true}}""", "on", false },
        { """{"think":false}""", "off", false },
        { """{"think":true}""", "on", true },
        { """{"think_mode":"auto","reasoning_effort":null}""", "off", false },
        { """{"think_mode":"off","think":false,"reasoning_effort":"none"}""", "off", true },
    };

    [Theory]
    [MemberData(nameof(Aliases))]
    public async Task Every_client_form_of_the_switch_forces_the_same_mode(string form, string mode, bool stream)
    {
        var result = await AskAsync(Forceable, JsonNode.Parse(form), stream);

        Assert.Equal(mode, result.ThinkMode);
        Assert.Equal("Direct answer.", result.Content);
        Assert.Equal(form.Contains("\"auto\"") ? "model" : "request", result.ThinkModeSource);
    }

    [Theory]
    [InlineData("""{"think_mode":"off","think":true}""", "think")]
    [InlineData("""{"reasoning_effort":"high","chat_template_kwargs":{"enable_thinking":false}}""", "chat_template_kwargs.enable_thinking")]
    [InlineData("""{"think_mode":"auto","reasoning_effort":"none"}""", "reasoning_effort")]
    public async Task Contradicting_forms_are_refused_naming_both(string form, string param)
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(Forceable));
        var response = await server.PostChatAsync(Ask(JsonNode.Parse(form)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await Sse.JsonAsync(response))["error"]!;
        Assert.Equal(param, (string?)error["param"]);
        foreach (var name in JsonNode.Parse(form)!.AsObject().Select(p => p.Key))
            Assert.Contains(name, (string)error["message"]!);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_server_default_mode_applies_when_the_request_is_silent(bool stream)
    {
        var result = await AskAsync(Forceable, null, stream, "--Reasoning:DefaultMode=on");

        Assert.Equal("on", result.ThinkMode);
        Assert.Equal("server", result.ThinkModeSource);
        Assert.Equal("Let me reason.", result.Reasoning);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_reasoning_budget_closes_the_reasoning_and_the_answer_still_comes(bool stream)
    {
        var result = await AskAsync(ScriptedModels.ThinkOn, new { max_reasoning_tokens = 4 }, stream);

        Assert.True(result.ReasoningTruncated);
        Assert.Equal("on", result.ThinkMode);
        Assert.StartsWith(result.Reasoning!, ScriptedModels.ThinkOn.Reasoning!);
        Assert.True(result.Reasoning!.Length < ScriptedModels.ThinkOn.Reasoning!.Length);
        Assert.Equal(ScriptedModels.ThinkOn.Answer, result.Content);
        Assert.Equal("stop", result.FinishReason);
    }

    /// <summary>
    /// The budget's closing tokens are written into the reply by the server and take context cells too; a request that fits
    /// the context without them is still served, not refused: one asking for the rest of the context as max_tokens, and one
    /// whose prompt is larger than its slot's share, split between two choices.
    /// </summary>
    [Fact]
    public async Task A_reasoning_budget_never_makes_a_request_that_fits_the_context_too_long()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOn), "--Model:ContextSize=2048");
        var probe = await ChatResult.RequestAsync(server, Ask(new { max_tokens = 1 }), stream: false);
        var rest = 2048 - (int)probe.Usage!["prompt_tokens"]!;

        var whole = await ChatResult.RequestAsync(server, Ask(new { max_reasoning_tokens = 4, max_tokens = rest }), stream: false);
        Assert.True(whole.ReasoningTruncated);
        Assert.Equal(ScriptedModels.ThinkOn.Answer, whole.Content);

        var longPrompt = string.Join(' ', Enumerable.Repeat("word", 140));
        var body = Body.Merge(new { messages = new[] { new { role = "user", content = longPrompt } } }, new { max_reasoning_tokens = 4, n = 2 });
        var response = await server.PostChatAsync(body);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var choices = (await Sse.JsonAsync(response))["choices"]!.AsArray();
        Assert.All(choices, c => Assert.Equal(ScriptedModels.ThinkOn.Answer, (string?)c!["message"]!["content"]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_stop_string_inside_the_reasoning_does_not_stop_the_reply_but_in_the_answer_it_does(bool stream)
    {
        // "391" occurs in the reasoning ("340 + 51 = 391.") and in the answer ("17 × 23 = 391.").
        var result = await AskAsync(ScriptedModels.ThinkOn, new { stop = new[] { "391" } }, stream);

        Assert.Equal(ScriptedModels.ThinkOn.Reasoning, result.Reasoning);
        Assert.Equal("17 × 23 = ", result.Content);
        Assert.Equal("stop", result.FinishReason);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Max_tokens_inside_the_reasoning_ends_with_length_and_empty_content(bool stream)
    {
        var result = await AskAsync(ScriptedModels.ThinkOn, new { max_tokens = 25 }, stream);

        Assert.Equal("length", result.FinishReason);
        Assert.Equal("", result.Content);
        Assert.Equal("on", result.ThinkMode);
        Assert.False(string.IsNullOrEmpty(result.Reasoning));
        Assert.Equal(25, (int)result.Usage!["completion_tokens"]!);
        Assert.Equal(25, (int)result.Usage!["completion_tokens_details"]!["reasoning_tokens"]!);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Include_reasoning_false_omits_the_text_but_still_counts_it(bool stream)
    {
        var result = await AskAsync(ScriptedModels.ThinkOn, new { include_reasoning = false }, stream);

        Assert.Null(result.Reasoning);
        Assert.Equal("on", result.ThinkMode);
        Assert.Equal(ScriptedModels.ThinkOn.Answer, result.Content);
        Assert.True((int)result.Usage!["completion_tokens_details"]!["reasoning_tokens"]! > 10);
    }

    [Theory]
    [InlineData("reasoning", false)]
    [InlineData("reasoning", true)]
    [InlineData("both", false)]
    [InlineData("both", true)]
    public async Task The_reasoning_field_name_is_configurable(string name, bool stream)
    {
        var result = await AskAsync(ScriptedModels.ThinkOn, null, stream, $"--Reasoning:FieldName={name}");
        var json = result.Raw.ToJsonString();

        Assert.Contains("\"reasoning\":", json);
        Assert.Equal(name == "both", json.Contains("\"reasoning_content\":", StringComparison.Ordinal));
        Assert.Equal(ScriptedModels.ThinkOn.Reasoning, result.Reasoning);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Earlier_replies_come_back_into_the_prompt_as_their_answer_only(bool stream)
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff));
        object Turns(object assistant) => new
        {
            messages = new[] { new { role = "user", content = "Capital of France?" }, assistant, new { role = "user", content = "Sure?" } },
            max_tokens = 1,
        };
        var raw = await ChatResult.RequestAsync(server, Body.Merge(Turns(new
        {
            role = "assistant",
            content = "<judge>\nEasy.\n</judge>\n\n<think_on>\n<think>\nsecret chain of thought\n</think>\n<answer>\nParis.\n</answer>",
        }), null), stream);
        var withField = await ChatResult.RequestAsync(server, Body.Merge(Turns(new
        {
            role = "assistant",
            content = "Paris.",
            reasoning_content = "secret chain of thought",
        }), null), stream);
        var plain = await ChatResult.RequestAsync(server, Body.Merge(Turns(new { role = "assistant", content = "Paris." }), null), stream);

        var expected = (int)plain.Usage!["prompt_tokens"]!;
        Assert.Equal(expected, (int)raw.Usage!["prompt_tokens"]!);
        Assert.Equal(expected, (int)withField.Usage!["prompt_tokens"]!);
    }
}
