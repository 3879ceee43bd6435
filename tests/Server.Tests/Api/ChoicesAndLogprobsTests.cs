namespace HiPO.Server.Tests.Api;

/// <summary><c>n</c> choices forked from one prompt, and token log-probabilities computed from the logits.</summary>
public sealed class ChoicesAndLogprobsTests
{
    private static JsonObject Ask(object? extra = null) => Body.Merge(new { messages = new[] { new { role = "user", content = "Capital of France?" } } }, extra);

    [Fact]
    public async Task N_choices_are_each_complete_and_indexed()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff));
        var json = await Sse.JsonAsync(await server.PostChatAsync(Ask(new { n = 3 })));
        var choices = json["choices"]!.AsArray();

        Assert.Equal([0, 1, 2], choices.Select(c => (int)c!["index"]!));
        Assert.All(choices, c => Assert.Equal(ScriptedModels.ThinkOff.Answer, (string?)c!["message"]!["content"]));
        Assert.Equal(3 * TestModels.AnswerClosedTokens(ScriptedModels.ThinkOff), (int)json["usage"]!["completion_tokens"]!);
        var idle = await server.WaitForAsync(s => s.RunningRequests == 0);
        Assert.Equal(idle.KvCellsCached, idle.KvCellsUsed);
    }

    [Fact]
    public async Task More_choices_than_the_server_decodes_at_once_is_a_400_naming_n()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff), "--Inference:MaxParallel=2");
        var response = await server.PostChatAsync(Ask(new { n = 3 }));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await Sse.JsonAsync(response))["error"]!;
        Assert.Equal("n", (string?)error["param"]);
        Assert.Equal("invalid_value", (string?)error["code"]);
        Assert.Contains("2 sequences", (string?)error["message"]);
    }

    [Fact]
    public async Task N_choices_stream_with_their_own_index()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOn));
        var chunks = await Sse.ReadChunksAsync(await Sse.PostStreamAsync(server.Http, Ask(new { n = 2, stream = true })));

        for (var choice = 0; choice < 2; choice++)
        {
            Assert.Equal(ScriptedModels.ThinkOn.Answer, Sse.Field(chunks, "content", choice));
            Assert.Equal(ScriptedModels.ThinkOn.Reasoning, Sse.Field(chunks, "reasoning_content", choice));
            Assert.Contains(chunks, c => c["choices"]!.AsArray().Any(x => (int)x!["index"]! == choice && (string?)x["finish_reason"] == "stop"));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Logprobs_cover_the_answer_tokens_with_their_alternatives(bool stream)
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff));
        var body = Ask(new { logprobs = true, top_logprobs = 2, stream });
        List<JsonNode> entries;
        if (stream)
        {
            var chunks = await Sse.ReadChunksAsync(await Sse.PostStreamAsync(server.Http, body));
            entries = [.. chunks.SelectMany(c => c["choices"]!.AsArray()).SelectMany(c => c!["logprobs"]?["content"]?.AsArray() ?? []).Select(e => e!)];
        }
        else
        {
            var json = await Sse.JsonAsync(await server.PostChatAsync(body));
            entries = [.. json["choices"]![0]!["logprobs"]!["content"]!.AsArray().Select(e => e!)];
        }

        Assert.NotEmpty(entries);
        Assert.Contains(ScriptedModels.ThinkOff.Answer!, string.Concat(entries.Select(e => (string?)e["token"])));
        Assert.All(entries, e =>
        {
            var logprob = (double)e["logprob"]!;
            Assert.InRange(logprob, -0.01, 0);
            Assert.Equal(2, e["top_logprobs"]!.AsArray().Count);
            Assert.Equal((string?)e["token"], (string?)e["top_logprobs"]![0]!["token"]);
            Assert.True((double)e["top_logprobs"]![1]!["logprob"]! < -50);
            Assert.Equal(System.Text.Encoding.UTF8.GetBytes((string)e["token"]!), e["bytes"]!.AsArray().Select(b => (byte)(int)b!).ToArray());
        });
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_reply()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff));
        var body = Ask(new { seed = 42, max_tokens = 40, temperature = 1.5, response_format = new { type = "json_object" } });
        var first = (string?)(await Sse.JsonAsync(await server.PostChatAsync(body)))["choices"]![0]!["message"]!["content"];
        var second = (string?)(await Sse.JsonAsync(await server.PostChatAsync(body)))["choices"]![0]!["message"]!["content"];

        Assert.False(string.IsNullOrEmpty(first));
        Assert.Equal(first, second);
    }
}
