namespace HiPO.Server.Tests.Exactness;

/// <summary>
/// Greedy requests to the real server running <see cref="AttentionModel"/>, as users send them: chat over HTTP with
/// temperature 0 and think mode forced off (so the prompt, up to the answer, is fixed by the server), or raw completions;
/// and the reference reply for the same prompt tokens, decoded alone.
/// </summary>
/// <remarks>
/// Replies are compared as text: the model writes only letters, each one byte token, so the text is the token
/// sequence, and a letter reply round-trips through the reply parser and JSON unchanged.
/// </remarks>
internal static class GreedyChat
{
    public const int ContextSize = 8192;

    private static readonly Lazy<GreedyReference> SharedReference = new(() => new GreedyReference(AttentionModel.Path));

    public static GreedyReference Reference => SharedReference.Value;

    public static Task<RunningServer> StartAsync(params string[] settings) =>
        RunningServer.StartAsync(AttentionModel.Path, [$"--Model:ContextSize={ContextSize}", "--Model:KvCacheType=f32", "--Model:FlashAttention=false", .. settings]);

    public static string Letters(Random random, int count) =>
        string.Concat(Enumerable.Range(0, count).Select(_ => (char)random.Next('a', 'z' + 1)));

    public static ChatTurn[] Conversation(string user, string? system = null) =>
        system is null ? [new(ChatRole.User, user)] : [new(ChatRole.System, system), new(ChatRole.User, user)];

    /// <summary>The prompt tokens the server decodes for a chat request.</summary>
    public static int[] PromptOf(RunningServer server, IReadOnlyList<ChatTurn> turns) =>
        [.. server.Engine.Scheduler.Tokenize(server.Engine.Renderer.Render(turns, ThinkModeRequest.Off)).Select(t => (int)t)];

    /// <summary>The prompt tokens the server decodes for a raw completion of <paramref name="text"/>.</summary>
    public static int[] PromptOf(RunningServer server, string text) => server.Engine.Tokenize(text, addSpecial: false, parseSpecial: true);

    public static Task<ReferenceReply> ExpectedAsync(RunningServer server, IReadOnlyList<ChatTurn> turns, int maxTokens) =>
        Reference.DecodeAsync(PromptOf(server, turns), maxTokens);

    public static JsonObject Body(IReadOnlyList<ChatTurn> turns, int maxTokens, object? extra = null) => Support.Body.Merge(new
    {
        messages = turns.Select(t => new { role = t.Role.ToString().ToLowerInvariant(), content = t.Content }),
        think_mode = "off",
        temperature = 0,
        max_tokens = maxTokens,
    }, extra);

    public static Task<ChatResult> AskAsync(RunningServer server, IReadOnlyList<ChatTurn> turns, int maxTokens, bool stream = false) =>
        ChatResult.RequestAsync(server, Body(turns, maxTokens), stream);

    /// <summary>A raw completion (no template, no HiPO parsing) of <paramref name="prompt"/>: its text and cached prompt tokens.</summary>
    public static async Task<(string Text, int CachedTokens)> CompleteAsync(RunningServer server, string prompt, int maxTokens)
    {
        var response = await server.Http.PostAsJsonAsync("/v1/completions", new { prompt, temperature = 0, max_tokens = maxTokens });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await Sse.JsonAsync(response);
        return ((string)json["choices"]![0]!["text"]!, CachedTokens(json["usage"]!.AsObject()));
    }

    public static int CachedTokens(JsonObject? usage) => (int)usage!["prompt_tokens_details"]!["cached_tokens"]!;
}
