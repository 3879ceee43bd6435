using System.Diagnostics;
using System.Net.Sockets;
using HiPO.Server.Tests.ModelHub;
using Microsoft.Extensions.Options;

namespace HiPO.Server.Tests.Operations;

/// <summary>Readiness while the model loads, graceful drain on shutdown, and configuration checked at startup.</summary>
public sealed class LifecycleTests
{
    private static object Ask(object? extra = null) =>
        Body.Merge(new { stream = true, messages = new[] { new { role = "user", content = "go" } } }, extra);

    [Fact]
    public async Task Readiness_is_503_while_the_model_is_fetched_and_200_once_it_serves()
    {
        await using var hub = await FakeHub.StartAsync();
        hub.AddRepository("test/hipo", new Dictionary<string, byte[]> { ["model.gguf"] = await File.ReadAllBytesAsync(TestModels.PathOf(ScriptedModels.ThinkOff)) });
        hub.Hold();
        var cache = Directory.CreateTempSubdirectory("hipo-cache-").FullName;
        await using var server = await RunningServer.StartAsync("hf:test/hipo/model.gguf", waitUntilReady: false,
            $"--Hub:Endpoint={hub.Endpoint}", $"--Hub:CacheDirectory={cache}");

        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/health/live")).StatusCode);
        var ready = await server.Http.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("loading", (string?)(await Sse.JsonAsync(ready))["status"]);
        var early = await server.PostChatAsync(new { messages = new[] { new { role = "user", content = "hi" } } });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, early.StatusCode);
        Assert.Equal("model_loading", (string?)(await Sse.JsonAsync(early))["error"]!["code"]);
        Assert.NotNull(early.Headers.RetryAfter);

        hub.Release();
        await server.WaitUntilReadyAsync();
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/health/ready")).StatusCode);
        var served = await Sse.JsonAsync(await server.PostChatAsync(new { messages = new[] { new { role = "user", content = "hi" } } }));
        Assert.Equal(ScriptedModels.ThinkOff.Answer, (string?)served["choices"]![0]!["message"]!["content"]);
    }

    [Fact]
    public async Task Readiness_is_503_while_the_queue_is_full()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.Endless), "--Inference:MaxParallel=1", "--Inference:MaxQueue=1");
        using var cancel = new CancellationTokenSource();
        using var running = await Sse.PostStreamAsync(server.Http, Ask(new { max_tokens = 5000 }), cancel.Token);
        await server.WaitForAsync(s => s.RunningRequests == 1);
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/health/ready")).StatusCode);
        using var queued = await Sse.PostStreamAsync(server.Http, Ask(new { max_tokens = 5000 }), cancel.Token).WaitAsync(TimeSpan.FromSeconds(1)).ContinueWith(_ => (HttpResponseMessage?)null);
        await server.WaitForAsync(s => s.QueuedRequests == 1);

        var ready = await server.Http.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("saturated", (string?)(await Sse.JsonAsync(ready))["status"]);
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/health/live")).StatusCode);
        await cancel.CancelAsync();
    }

    [Fact]
    public async Task Shutdown_lets_a_running_stream_finish_and_refuses_new_requests()
    {
        var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.Endless), "--Inference:DrainTimeoutSeconds=60");
        var response = await Sse.PostStreamAsync(server.Http, Ask(new { max_tokens = 1500 }));
        var reading = Sse.ReadChunksAsync(response);
        await server.WaitForAsync(s => s.RunningRequests == 1);

        var stopping = server.StopAsync();
        await WaitAsync(() => server.Engine.State == HiPO.Inference.Hosting.EngineState.Draining);
        // Kestrel stops listening first, so a newcomer is refused at the door; one that got in gets 503.
        try
        {
            var refused = await server.PostChatAsync(new { messages = new[] { new { role = "user", content = "late" } } });
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("shutting_down", (string?)(await Sse.JsonAsync(refused))["error"]!["code"]);
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
        {
        }

        var chunks = await reading;
        Assert.Equal("length", chunks.SelectMany(c => c["choices"]!.AsArray()).Select(c => (string?)c!["finish_reason"]).Last(r => r is not null));
        await stopping;
        await server.DisposeAsync();
    }

    [Fact]
    public async Task A_stream_still_running_when_the_drain_ends_gets_a_final_error_event()
    {
        var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.Endless), "--Inference:DrainTimeoutSeconds=1");
        var response = await Sse.PostStreamAsync(server.Http, Ask(new { max_tokens = 10000 }));
        var events = new List<string>();
        var reading = Task.Run(async () =>
        {
            await foreach (var data in Sse.ReadEventsAsync(response))
                events.Add(data);
        });
        await server.WaitForAsync(s => s.RunningRequests == 1);

        await server.StopAsync();
        await reading;
        Assert.Equal("[DONE]", events[^1]);
        Assert.Contains(events, e => e.Contains("\"error\"", StringComparison.Ordinal) && e.Contains("shut down", StringComparison.Ordinal));
        await server.DisposeAsync();
    }

    [Theory]
    [InlineData("--Inference:MaxParallel=0", "MaxParallel")]
    [InlineData("--Model:ContextSize=10", "ContextSize")]
    [InlineData("--Reasoning:DefaultMode=sometimes", "DefaultMode")]
    [InlineData("--Reasoning:FieldName=thoughts", "FieldName")]
    [InlineData("--Model:KvCacheType=f8", "KvCacheType")]
    public async Task An_invalid_setting_stops_startup_naming_the_key(string setting, string key)
    {
        var e = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var app = HipoServer.Build(["--urls=http://127.0.0.1:0", $"--Model:Path={TestModels.PathOf(ScriptedModels.ThinkOff)}", setting])!;
            await app.StartAsync();
        });
        var description = HipoServer.DescribeInvalidConfiguration(e);
        Assert.Contains(key, description);
        Assert.StartsWith(setting[2..setting.IndexOf(':', StringComparison.Ordinal)] + ":", description);
    }

    [Fact]
    public void A_missing_model_file_stops_startup()
    {
        Assert.Null(HipoServer.Build(["--urls=http://127.0.0.1:0", "--Model:Path=/nonexistent/model.gguf"]));
    }

    [Fact]
    public async Task Sigterm_drains_the_running_stream_and_exits_with_0()
    {
        var port = FreePort();
        using var process = Process.Start(new ProcessStartInfo("dotnet", [
            Path.Combine(AppContext.BaseDirectory, "hipo-server.dll"),
            "--model", TestModels.PathOf(ScriptedModels.Endless), "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await WaitAsync(async () => (await TryGetAsync(http, "/health/ready")) == HttpStatusCode.OK, seconds: 60);
            var response = await Sse.PostStreamAsync(http, Ask(new { max_tokens = 800 }));
            var reading = Sse.ReadChunksAsync(response);

            using (Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) { }
            var chunks = await reading;
            Assert.Equal("length", chunks.SelectMany(c => c["choices"]!.AsArray()).Select(c => (string?)c!["finish_reason"]).Last(r => r is not null));
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }
    }

    private static async Task<HttpStatusCode?> TryGetAsync(HttpClient http, string path)
    {
        try
        {
            return (await http.GetAsync(path)).StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Task WaitAsync(Func<bool> condition, int seconds = 30) => WaitAsync(() => Task.FromResult(condition()), seconds);

    private static async Task WaitAsync(Func<Task<bool>> condition, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("The condition never held.");
            await Task.Delay(20);
        }
    }
}
