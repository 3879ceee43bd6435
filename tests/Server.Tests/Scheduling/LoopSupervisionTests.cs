using HiPO.Inference.Hosting;
using LLama.Native;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HiPO.Server.Tests.Scheduling;

/// <summary>
/// Faults injected into the decode loop at a chosen point: a failed decode takes down only the sequences of its step,
/// an exception anywhere in the loop fails what it holds and the loop rebuilds, and a loop that keeps failing gives up
/// loudly. No request ever waits forever.
/// </summary>
public sealed class LoopSupervisionTests
{
    private static object Ask(string text, object? extra = null) =>
        Body.Merge(new { stream = true, think_mode = "off", messages = new[] { new { role = "user", content = text } } }, extra);

    private static object AskWhole(string text, object? extra = null) =>
        Body.Merge(new { messages = new[] { new { role = "user", content = text } } }, extra);

    private static List<JsonObject> Errors(List<JsonObject> chunks) => [.. chunks.Where(c => c["error"] is not null)];

    private static string Content(List<JsonObject> chunks) =>
        Sse.Field(chunks.Where(c => c["choices"] is not null), "content");

    /// <summary>Arms a one-shot fault: the first call at or after <paramref name="armed"/> is set fires it, later calls do not.</summary>
    private sealed class OneShot
    {
        private int _fired;

        public volatile bool Armed;

        public bool Fire() => Armed && Interlocked.Exchange(ref _fired, 1) == 0;
    }

    [Fact]
    public async Task A_failed_decode_fails_the_sequences_of_its_step_while_a_prompt_it_did_not_touch_completes()
    {
        // One stream generates while a 40,000-token prompt fills every step's batch for over a thousand steps: a third request
        // admitted meanwhile has nothing in the step that fails, so it must come through.
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.Endless),
            "--Inference:MaxParallel=3", "--Model:BatchSize=32", "--Inference:PrefillChunk=32", "--Model:ContextSize=65536");
        var fault = new OneShot { Armed = true };
        var scheduler = server.Engine.Scheduler;
        using var hold = new LoopHold(scheduler);
        scheduler.DecodeFault = _ =>
        {
            // Hold the loop right after the long prompt was admitted, until the third request is queued.
            hold.HoldOnceWhen(server.Snapshot.RunningRequests == 2);
            return server.Snapshot.RunningRequests == 3 && fault.Fire() ? DecodeResult.DecodeFailed : null;
        };

        var generating = Sse.ReadChunksAsync(await Sse.PostStreamAsync(server.Http, Ask("one", new { max_tokens = 8000 })));
        await server.WaitForAsync(s => s.RunningSequences == 1);
        var prefilling = Sse.ReadChunksAsync(await Sse.PostStreamAsync(server.Http, Ask(string.Concat(Enumerable.Repeat("word ", 8_000)), new { max_tokens = 8000 })));
        // Its response headers come only once it is admitted, after the hold.
        var untouched = Task.Run(async () => await Sse.ReadChunksAsync(await Sse.PostStreamAsync(server.Http, Ask("three", new { max_tokens = 12 }))));
        await hold.ReleaseWhenQueuedAsync();

        foreach (var failed in await Task.WhenAll(generating, prefilling))
        {
            var error = Assert.Single(Errors(failed));
            Assert.Equal("engine_error", (string?)error["error"]!["code"]);
        }
        var survivor = await untouched;
        Assert.Empty(Errors(survivor));
        Assert.Contains("This reply never ends.\nThis reply", Content(survivor));
        Assert.Equal("length", survivor.SelectMany(c => c["choices"]?.AsArray() ?? []).Select(c => (string?)c!["finish_reason"]).Last(r => r is not null));
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task After_a_failed_decode_the_rebuilt_context_gives_the_same_replies()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOn));
        var before = await (await server.PostChatAsync(AskWhole("17 x 23?", new { temperature = 0 }))).Content.ReadAsStringAsync();
        var fault = new OneShot { Armed = true };
        server.Engine.Scheduler.DecodeFault = _ => fault.Fire() ? DecodeResult.AllocationFailed : null;

        var failed = await server.PostChatAsync(AskWhole("17 x 23?", new { temperature = 0 }));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Equal("engine_error", (string?)(await Sse.JsonAsync(failed))["error"]!["code"]);

        var after = Sse.Json(await (await server.PostChatAsync(AskWhole("17 x 23?", new { temperature = 0 }))).Content.ReadAsStringAsync());
        var expected = Sse.Json(before);
        Assert.Equal((string?)expected["choices"]![0]!["message"]!["content"], (string?)after["choices"]![0]!["message"]!["content"]);
        Assert.Equal((string?)expected["choices"]![0]!["message"]!["reasoning_content"], (string?)after["choices"]![0]!["message"]!["reasoning_content"]);
        Assert.Equal(ScriptedModels.ThinkOn.Answer, (string?)after["choices"]![0]!["message"]!["content"]);
    }

    [Fact]
    public async Task An_exception_in_the_loop_fails_the_running_requests_and_the_loop_rebuilds_and_serves_the_queue()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.Endless), "--Inference:MaxParallel=1", "--Model:ContextSize=32768");
        var fault = new OneShot();
        server.Engine.Scheduler.LoopFault = _ =>
        {
            if (fault.Fire())
                throw new InvalidOperationException("injected loop fault");
        };

        var running = Sse.ReadChunksAsync(await Sse.PostStreamAsync(server.Http, Ask("one", new { max_tokens = 8000 })));
        await server.WaitForAsync(s => s.RunningRequests == 1);
        // A queued request gets its response headers only once admitted.
        var queued = Task.Run(async () => await Sse.ReadChunksAsync(await Sse.PostStreamAsync(server.Http, Ask("two", new { max_tokens = 8 }))));
        await server.WaitForAsync(s => s.QueuedRequests == 1);
        fault.Armed = true;

        var error = Assert.Single(Errors(await running));
        Assert.Contains("failed", (string?)error["error"]!["message"]);
        var served = await queued;
        Assert.Empty(Errors(served));
        Assert.Contains("This reply never ends.", Content(served));
        Assert.Equal(EngineState.Ready, server.Engine.State);
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task A_sampling_failure_ends_only_that_choice()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff));
        server.Engine.Scheduler.SampleFault = choice =>
        {
            if (choice == 1)
                throw new InvalidOperationException("injected sampling fault");
        };

        var chunks = await Sse.ReadChunksAsync(await Sse.PostStreamAsync(server.Http, Ask("hi", new { n = 2 })));

        Assert.Single(Errors(chunks));
        Assert.Equal(ScriptedModels.ThinkOff.Answer, Content(chunks));
        var finishes = chunks.Where(c => c["choices"] is not null).SelectMany(c => c["choices"]!.AsArray())
            .Where(c => c!["finish_reason"] is not null).ToDictionary(c => (int)c!["index"]!, c => (string?)c!["finish_reason"]);
        Assert.Equal("stop", finishes[0]);
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task A_loop_that_keeps_failing_gives_up_reports_why_and_stops_the_host_with_exit_code_1()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff));
        server.Engine.Scheduler.LoopFault = _ => throw new InvalidOperationException("injected persistent fault");
        var lifetime = server.Services.GetRequiredService<IHostApplicationLifetime>();
        try
        {
            // Each request meets the fault and fails; past the recovery limit the loop gives up instead of rebuilding.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (server.Engine.State != EngineState.Failed && DateTime.UtcNow < deadline)
            {
                if (server.Engine.State != EngineState.Ready)
                {
                    await Task.Delay(10);
                    continue;
                }
                var response = await server.PostChatAsync(AskWhole("hi"));
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            }

            Assert.Equal(EngineState.Failed, server.Engine.State);
            var ready = await server.Http.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Contains("injected persistent fault", await ready.Content.ReadAsStringAsync());
            var refused = await server.PostChatAsync(AskWhole("hi"));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("model_failed", (string?)(await Sse.JsonAsync(refused))["error"]!["code"]);
            Assert.True(lifetime.ApplicationStopping.IsCancellationRequested);
            Assert.Equal(1, Environment.ExitCode);
        }
        finally
        {
            Environment.ExitCode = 0;
        }
    }
}
