using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using HiPO.Bench.Reporting;
using HiPO.Gguf.Scripting;

namespace HiPO.Bench.Http;

/// <summary>
/// Phase (g): a burst of auto-mode requests, more than the server decodes at once, arriving faster than it can answer
/// them, on a scripted model whose auto-mode reply reasons for a few hundred tokens; first with load-adaptive thinking
/// off, then on. Non-streamed requests, so a request's latency is the whole reply's.
/// </summary>
public static class AdaptiveThinkingBurst
{
    private const int ReasoningSteps = 300;

    public static async Task<AdaptiveThinkingResult> MeasureAsync(string modelsFolder, BenchmarkSettings settings, ProgressLog log, CancellationToken cancellation)
    {
        var (requests, parallel, interval) = settings.Quick ? (8, 2, 5.0) : (64, 4, 5.0);
        var (model, fullReply) = WriteModel(modelsFolder);
        string[] policy =
        [
            "--Reasoning:Adaptive:Enabled=true", "--Reasoning:Adaptive:CapReasoningTokens=64",
            $"--Reasoning:Adaptive:CapQueueDepth={parallel}", $"--Reasoning:Adaptive:ThinkOffQueueDepth={3 * parallel}",
            "--Reasoning:Adaptive:CapQueueWaitMs=", "--Reasoning:Adaptive:ThinkOffQueueWaitMs=", "--Reasoning:Adaptive:CapKvUsage=",
            "--Reasoning:Adaptive:ExitFraction=0.5", "--Reasoning:Adaptive:MinDwellSeconds=1",
        ];
        var described = string.Join(" ", policy.Select(p => p["--Reasoning:Adaptive:".Length..]));
        log.Line($"(g) Load-adaptive thinking: {requests} auto-mode requests, one every {interval:0} ms, {parallel} decoded at once; policy off, then on ({described})");
        var off = await BurstAsync(model, requests, parallel, interval, [], cancellation);
        log.Line($"  off: e2e p50 {off.EndToEnd.P50Ms:0} ms, p99 {off.EndToEnd.P99Ms:0} ms, {off.CompletionTokens} tokens");
        var on = await BurstAsync(model, requests, parallel, interval, policy, cancellation);
        log.Line($"  on:  e2e p50 {on.EndToEnd.P50Ms:0} ms, p99 {on.EndToEnd.P99Ms:0} ms, {on.CompletionTokens} tokens, {on.Capped} capped, {on.ThinkOff} think-off");
        return new AdaptiveThinkingResult(requests, parallel, interval, fullReply, described, off, on,
            on.EndToEnd.P50Ms / off.EndToEnd.P50Ms, on.EndToEnd.P99Ms / off.EndToEnd.P99Ms, (double)on.CompletionTokens / off.CompletionTokens);
    }

    private static async Task<AdaptiveThinkingRun> BurstAsync(
        string model, int requests, int parallel, double intervalMs, IReadOnlyList<string> policy, CancellationToken cancellation)
    {
        await using var server = await InProcessServer.StartAsync(model, 4096, parallel, cancellation, policy);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue }) { BaseAddress = server.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        var started = Stopwatch.GetTimestamp();
        var sent = new List<Task<(TimeSpan Latency, string? Policy, string? Mode, int Tokens)>>();
        for (var i = 0; i < requests; i++)
        {
            sent.Add(AskAsync(http, i, cancellation));
            await Task.Delay(TimeSpan.FromMilliseconds(intervalMs), cancellation);
        }
        var replies = await Task.WhenAll(sent);
        var wall = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var changed = replies.Where(r => r.Policy == "load").ToList();
        return new AdaptiveThinkingRun(
            LatencySummary.Of(replies.Select(r => r.Latency)),
            changed.Count(r => r.Mode == "on"),
            changed.Count(r => r.Mode == "off"),
            (double)changed.Count / replies.Length,
            replies.Sum(r => r.Tokens),
            wall);
    }

    private static async Task<(TimeSpan, string?, string?, int)> AskAsync(HttpClient http, int index, CancellationToken cancellation)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await http.PostAsJsonAsync("/v1/chat/completions",
            new { messages = new[] { new { role = "user", content = $"Question {index}: what is the answer?" } }, temperature = 0 }, cancellation);
        var body = await response.Content.ReadAsStringAsync(cancellation);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"The server answered {(int)response.StatusCode}: {body}");
        var latency = Stopwatch.GetElapsedTime(started);
        var json = JsonNode.Parse(body)!;
        var message = json["choices"]![0]!["message"]!;
        return (latency, (string?)message["think_mode_policy"], (string?)message["think_mode"], (int)json["usage"]!["completion_tokens"]!);
    }

    /// <summary>
    /// A scripted model that, left to decide, reasons for <see cref="ReasoningSteps"/> tokens before a short answer; after
    /// <c>&lt;answer&gt;</c> (a forced think-off prefill, or the reasoning budget's closing) it gives the same answer at once.
    /// </summary>
    private static (string Path, int FullReplyTokens) WriteModel(string folder)
    {
        Directory.CreateDirectory(folder);
        ScriptPiece[] judge = ["This", " question", " deserves", " careful", " reasoning.\n", "</judge>", "<think_on>", "<think>"];
        ScriptPiece[] reasoning =
            ["\nLet", .. Enumerable.Range(1, ReasoningSteps).Select(i => (ScriptPiece)$" s{i.ToString(CultureInfo.InvariantCulture)}"), ".\n", "</think>", "\n\n", "<answer>"];
        ScriptPiece[] answer = ["\nThe", " answer", " is", " 42.\n", "</answer>", "<|im_end|>"];
        var builder = new ScriptedModelBuilder("scripted-long-thinker")
            .Chain(after: "\n", judge)
            .Chain(after: "<think>", reasoning)
            .Chain(after: "<answer>", answer);
        var path = Path.Combine(folder, builder.Name + ".gguf");
        // Tiny and quick to write: rewritten every run so that it always matches this script.
        builder.Write(path);
        // The server ends a reply at </answer>, before the end-of-turn token.
        return (path, builder.ReplyAfter("\n").TokenCount - 1);
    }
}
