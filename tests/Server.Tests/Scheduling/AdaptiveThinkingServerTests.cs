using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace HiPO.Server.Tests.Scheduling;

/// <summary>
/// Load-adaptive thinking end to end on the demo model, whose auto-mode replies reason at length and whose think-off
/// replies are the answer alone. The decode loop is stepped by hand while one request runs, so the queue behind it
/// builds to a known depth: the policy's level follows the queue, and only the auto-mode requests decided under
/// pressure, without a budget or an opt-out of their own, are changed, and say so.
/// </summary>
// Metrics are read: run alone, as the other metrics tests do, so no other server's meters answer.
[Collection(nameof(Operations.ObservabilityTests))]
public sealed class AdaptiveThinkingServerTests
{
    private static readonly ScriptedFixture Model = ScriptedModels.Demo;

    private static Task<RunningServer> StartAsync(params string[] settings) => RunningServer.StartAsync(TestModels.PathOf(Model),
    [
        "--Inference:MaxParallel=1", "--Reasoning:Adaptive:Enabled=true", "--Reasoning:Adaptive:MinDwellSeconds=0",
        "--Reasoning:Adaptive:CapReasoningTokens=4", "--Reasoning:Adaptive:CapQueueWaitMs=", "--Reasoning:Adaptive:CapKvUsage=",
        "--Reasoning:Adaptive:ThinkOffQueueWaitMs=", .. settings,
    ]);

    private static JsonObject Ask(object? extra = null) =>
        Body.Merge(new { messages = new[] { new { role = "user", content = "Who are you?" } } }, extra);

    /// <summary>The reply's <c>think_mode_policy</c>: on the message, or on the streamed delta that reports the mode.</summary>
    private static string? Policy(ChatResult result) => result.Raw["chunks"] is JsonArray chunks
        ? (string?)chunks.Select(c => c!["choices"]?.AsArray().FirstOrDefault()?["delta"]).Single(d => d?["think_mode"] is not null)!["think_mode_policy"]
        : (string?)result.Raw["think_mode_policy"];

    private static void AssertUnchanged(ChatResult result, string source)
    {
        Assert.Equal(source, result.ThinkModeSource);
        Assert.Null(Policy(result));
        Assert.False(result.ReasoningTruncated);
        Assert.Equal(Model.Answer, result.Content);
    }

    [Fact]
    public async Task Under_pressure_auto_requests_get_the_reasoning_cap_and_say_so_and_the_policy_returns_to_normal()
    {
        await using var server = await StartAsync("--Reasoning:Adaptive:CapQueueDepth=2", "--Reasoning:Adaptive:ThinkOffQueueDepth=1000");
        await using var loop = await SteppedLoop.StartAsync(server);

        // Queued before the loop saw any queue: below the threshold, nothing changes.
        var early = await loop.QueueAsync(ChatResult.RequestAsync(server, Ask(), stream: false), ChatResult.RequestAsync(server, Ask(), stream: true));
        await loop.StepUntilAsync(() => server.Engine.Adaptive.Level == PressureLevel.CapReasoning);

        var late = await loop.QueueAsync(
            ChatResult.RequestAsync(server, Ask(), stream: false),
            ChatResult.RequestAsync(server, Ask(), stream: true),
            ChatResult.RequestAsync(server, Ask(new { think_mode = "on" }), stream: false),
            ChatResult.RequestAsync(server, Ask(new { max_reasoning_tokens = 1000 }), stream: true),
            ChatResult.RequestAsync(server, Ask(new { think_mode_policy = "none" }), stream: false));
        loop.Release();

        foreach (var result in await Task.WhenAll(early))
            AssertUnchanged(result, "model");
        var results = await Task.WhenAll(late);
        foreach (var capped in results[..2])
        {
            Assert.Equal("server", capped.ThinkModeSource);
            Assert.Equal("load", Policy(capped));
            Assert.Equal("on", capped.ThinkMode);
            Assert.True(capped.ReasoningTruncated);
            Assert.True(capped.Reasoning!.Length < Model.Reasoning!.Length);
            Assert.Equal(Model.Answer, capped.Content);
        }
        AssertUnchanged(results[2], "request");
        AssertUnchanged(results[3], "model");
        AssertUnchanged(results[4], "model");

        await loop.UntilAsync(() => server.Engine.Adaptive.Level == PressureLevel.Normal);
        AssertUnchanged(await ChatResult.RequestAsync(server, Ask(), stream: false), "model");
        var metrics = await PrometheusText.ReadAsync(server);
        Assert.Equal(2, metrics.Value("hipo_adaptive_actions_total", ("action", "cap_reasoning")));
        Assert.Equal(0, metrics.Value("hipo_adaptive_actions_total", ("action", "think_off")));
        // A capped reply's mode is still the model's decision: the decision metrics count it under the model, not the server.
        Assert.Equal(0, metrics.Value("hipo_think_decisions_total", ("source", "server")));
        Assert.True(metrics.Has("hipo_adaptive_pressure_level"));
        Assert.Equal(0, metrics.Value("hipo_adaptive_pressure_level"));
    }

    [Fact]
    public async Task At_the_higher_level_auto_requests_are_answered_think_off_an_opt_out_the_operator_forbids_included()
    {
        var log = Path.Combine(Directory.CreateTempSubdirectory("hipo-adaptive-log-").FullName, "server.log");
        await using var server = await StartAsync("--Reasoning:Adaptive:CapQueueDepth=1", "--Reasoning:Adaptive:ThinkOffQueueDepth=2",
            "--Reasoning:Adaptive:AllowOptOut=false", "--Serilog:MinimumLevel:Override:HiPO.Server.Telemetry=Information",
            "--Serilog:Using:0=Serilog.Sinks.File", "--Serilog:WriteTo:0:Name=File", $"--Serilog:WriteTo:0:Args:path={log}");
        await using var loop = await SteppedLoop.StartAsync(server);

        await loop.QueueAsync(ChatResult.RequestAsync(server, Ask(), stream: false), ChatResult.RequestAsync(server, Ask(), stream: false));
        await loop.StepUntilAsync(() => server.Engine.Adaptive.Level == PressureLevel.ThinkOff);
        Assert.Equal(2, (await PrometheusText.ReadAsync(server)).Value("hipo_adaptive_pressure_level"));

        var chats = await loop.QueueAsync(
            ChatResult.RequestAsync(server, Ask(), stream: true),
            ChatResult.RequestAsync(server, Ask(new { think_mode_policy = "none" }), stream: false),
            ChatResult.RequestAsync(server, Ask(new { think_mode = "on" }), stream: false));
        var responses = await loop.QueueAsync(ResponseAsync(server));
        loop.Release();
        var results = await Task.WhenAll(chats);

        foreach (var off in results[..2])
        {
            Assert.Equal("off", off.ThinkMode);
            Assert.Equal("server", off.ThinkModeSource);
            Assert.Equal("load", Policy(off));
            Assert.Null(off.Reasoning);
            Assert.Equal(Model.Answer, off.Content);
        }
        Assert.Equal("on", results[2].ThinkMode);
        AssertUnchanged(results[2], "request");
        // The Responses API maps to a chat request, so it is treated the same.
        var response = await responses[0];
        Assert.Equal("off", (string?)response["think_mode"]);
        Assert.Equal("server", (string?)response["think_mode_source"]);
        Assert.Equal("load", (string?)response["think_mode_policy"]);
        Assert.Equal(["message"], response["output"]!.AsArray().Select(i => (string?)i!["type"]));
        Assert.Equal(3, (await PrometheusText.ReadAsync(server)).Value("hipo_adaptive_actions_total", ("action", "think_off")));
        // Each request's log line says what the policy did: three turned off, the others left alone.
        await using var lines = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var completed = (await new StreamReader(lines).ReadToEndAsync()).Split('\n').Where(l => l.Contains("Completed ", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, completed.Count(l => Regex.IsMatch(l, "adaptive=\"?think_off")));
        Assert.All(completed, l => Assert.Matches("adaptive=\"?(none|think_off)", l));
    }

    [Fact]
    public async Task An_unknown_think_mode_policy_is_refused_naming_the_parameter()
    {
        await using var server = await StartAsync();
        var response = await server.PostChatAsync(Ask(new { think_mode_policy = "never" }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await Sse.JsonAsync(response))["error"]!;
        Assert.Equal("think_mode_policy", (string?)error["param"]);
        Assert.Equal("invalid_request_error", (string?)error["type"]);
    }

    [Theory]
    [InlineData("--Reasoning:Adaptive:CapReasoningTokens=0", "CapReasoningTokens")]
    [InlineData("--Reasoning:Adaptive:ExitFraction=1.5", "ExitFraction")]
    [InlineData("--Reasoning:Adaptive:ExitFraction=0", "ExitFraction")]
    [InlineData("--Reasoning:Adaptive:ThinkOffKvUsage=2", "ThinkOffKvUsage")]
    [InlineData("--Reasoning:Adaptive:CapQueueDepth=", "no threshold is set")]
    public async Task An_invalid_adaptive_setting_stops_startup_naming_it(string setting, string reason)
    {
        string[] noThresholds = ["--Reasoning:Adaptive:ThinkOffQueueDepth=", "--Reasoning:Adaptive:ThinkOffQueueWaitMs="];
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff),
                ["--Reasoning:Adaptive:Enabled=true", "--Reasoning:Adaptive:CapQueueWaitMs=", "--Reasoning:Adaptive:CapKvUsage=", .. noThresholds, setting]));

        var description = HipoServer.DescribeInvalidConfiguration(e);
        Assert.StartsWith("Reasoning:Adaptive: ", description);
        Assert.Contains(reason, description);
    }

    private static async Task<JsonObject> ResponseAsync(RunningServer server)
    {
        var response = await server.Http.PostAsJsonAsync("/v1/responses", new { input = "Who are you?" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await Sse.JsonAsync(response);
    }

    /// <summary>
    /// Runs one streamed request and holds the decode loop after each of its steps until the test lets it take another,
    /// so that requests sent meanwhile queue behind it (one slot) and the loop reports that queue at a point the test chooses.
    /// </summary>
    private sealed class SteppedLoop : IAsyncDisposable
    {
        private readonly RunningServer _server;
        private readonly SemaphoreSlim _steps = new(0);
        private readonly Task _running;
        private volatile bool _released;
        private int _queued;

        private SteppedLoop(RunningServer server)
        {
            _server = server;
            server.Engine.Scheduler.LoopFault = _ =>
            {
                if (!_released)
                    _steps.Wait(TimeSpan.FromSeconds(60));
            };
            _running = Task.Run(async () => await Sse.ReadChunksAsync(await Sse.PostStreamAsync(server.Http, Ask(new { think_mode = "on" }))));
        }

        /// <summary>Starts the request that holds the one slot; returns once it runs.</summary>
        public static async Task<SteppedLoop> StartAsync(RunningServer server)
        {
            var loop = new SteppedLoop(server);
            await server.WaitForAsync(s => s.RunningRequests == 1);
            return loop;
        }

        /// <summary>Returns the requests (already sent) once they all wait in the queue behind the running one.</summary>
        public async Task<Task<T>[]> QueueAsync<T>(params Task<T>[] requests)
        {
            _queued += requests.Length;
            await UntilAsync(() => _server.Engine.Scheduler.Waiting >= _queued);
            return requests;
        }

        /// <summary>Lets the loop take one step at a time until <paramref name="condition"/> holds.</summary>
        public Task StepUntilAsync(Func<bool> condition) => UntilAsync(condition, stepping: true);

        /// <summary>Waits, the loop held or released as it is, until <paramref name="condition"/> holds.</summary>
        public async Task UntilAsync(Func<bool> condition, bool stepping = false)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!condition())
            {
                Assert.True(DateTime.UtcNow < deadline, "The condition never held.");
                if (stepping && _steps.CurrentCount == 0)
                    _steps.Release();
                await Task.Delay(10);
            }
        }

        public void Release()
        {
            _released = true;
            _server.Engine.Scheduler.LoopFault = null;
            _steps.Release(1000);
        }

        public async ValueTask DisposeAsync()
        {
            Release();
            // The running request only held the slot; what it replied is not under test.
            await Task.WhenAny(_running);
            _steps.Dispose();
        }
    }
}
